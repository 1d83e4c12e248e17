"""Words the kiosk needs beyond what the server's config sends (pure).

The server's `texts` win; these fill gaps (an older server, or a language it added without
them), falling back to Vietnamese like the server does.
"""

import datetime as dt
import functools
import zoneinfo

LOCAL = {
    "vi": {
        "waiting": "Đang kết nối máy chủ…",
        "rejected": "bị từ chối",
        "refused": "máy chủ không nhận kiosk này",
        "storage": "lỗi lưu đánh giá",
        "last_sync": "gửi lần cuối",
        # The optional phone number on the reasons screen (when the server reads one).
        "contact_field": "Để lại số điện thoại để cơ quan liên hệ lại (không bắt buộc)",
        "contact_placeholder": "Chạm các số để nhập",
        "contact_number": "Số điện thoại",
        "contact_agreed": "đã đồng ý",
        "contact_not_agreed": "chưa đồng ý, chạm để xem",
        "contact_fix": "số chưa đúng, chạm để sửa",
        "contact_consent": "Tôi đồng ý để cơ quan dùng số này chỉ để liên hệ trả lời ý kiến của tôi.",
        "contact_erased_days": "Số được xoá {days} ngày sau khi ý kiến được giải quyết xong.",
        "contact_erased": "Số được xoá sau khi ý kiến được giải quyết xong.",
        "contact_invalid": "Số chưa đúng. Xin nhập số di động Việt Nam, ví dụ 0912 345 678.",
        "contact_consent_needed": "Xin chạm vào ô đồng ý bên dưới, hoặc xoá số nếu không muốn để lại.",
        "contact_back": "Quay lại",
        "contact_delete": "Xoá",
        "contact_clear": "Xoá hết",
    },
    "en": {
        "waiting": "Connecting to the server…",
        "rejected": "rejected",
        "refused": "the server refuses this kiosk",
        "storage": "cannot store ratings",
        "last_sync": "last sent",
        "contact_field": "Leave a phone number so the office can get back to you (optional)",
        "contact_placeholder": "Tap the digits",
        "contact_number": "Phone number",
        "contact_agreed": "consent given",
        "contact_not_agreed": "no consent yet, tap to see",
        "contact_fix": "not a mobile number, tap to fix",
        "contact_consent": "I agree that the office uses this number only to answer my feedback.",
        "contact_erased_days": "It is deleted {days} days after the feedback has been dealt with.",
        "contact_erased": "It is deleted once the feedback has been dealt with.",
        "contact_invalid": "This number is not right. Please enter a Vietnamese mobile number, e.g. 0912 345 678.",
        "contact_consent_needed": "Please tap the consent box below, or delete the number if you do not want to "
                                  "leave it.",
        "contact_back": "Back",
        "contact_delete": "Delete",
        "contact_clear": "Clear",
    },
}


# Texts the screens show, empty until the server's config arrives.
SCREEN_KEYS = ("question", "thanks", "why", "send", "skip", "officer", "counter", "online", "offline", "queued")


def texts_for(config, language):
    """Every text in one language: the server's, then the kiosk's own, then Vietnamese."""
    server = (config or {}).get("texts", {})
    merged = dict.fromkeys(SCREEN_KEYS, "")
    merged.update(LOCAL["vi"])
    merged.update(server.get("vi", {}))
    merged.update(LOCAL.get(language, {}))
    merged.update(server.get(language, {}))
    return merged


def counter_name(config, language):
    """The counter as the header names it: "Quầy 1" in Vietnamese, "Counter 1" in English.

    Offices name counters in Vietnamese ("Quầy 1") or by a bare number or code ("1", "A2"):
    the word for "counter" is the language's, so an English screen never reads "Counter Quầy 1".
    A descriptive name ("Quầy tiếp nhận hồ sơ đất đai") is a proper name and stays as it is.
    """
    label = config["counter"]["label"].strip()
    word = texts_for(config, language)["counter"]
    words = {texts_for(config, code)["counter"] for code in ("vi", *(config.get("texts") or {}))}
    for prefix in sorted(words - {""}, key=len, reverse=True):
        if label.lower().startswith(prefix.lower()) and label[len(prefix):len(prefix) + 1] in ("", " "):
            rest = label[len(prefix):].strip()
            return f"{word} {rest}" if rest and " " not in rest and len(rest) <= 6 else label
    return f"{word} {label}".strip()


def grouped(digits):
    """A typed number as it is read out: "0912 345 678", "8491 234 567 8"."""
    return " ".join([digits[:4], *(digits[i:i + 3] for i in range(4, len(digits), 3))]).strip()


def consent_line(texts, retention_days):
    """What the number is used for, and when it is erased (the case closes plus the retention)."""
    erased = texts["contact_erased_days"].format(days=retention_days) if retention_days is not None \
        else texts["contact_erased"]
    return f"{texts['contact_consent']} {erased}"


def label(labels, language):
    return labels.get(language) or labels.get("vi") or next(iter(labels.values()), "")


def status_line(texts, status, storage_problem=None, zone=None):
    """'Online · 3 queued' and what staff need to know: dead letters, a refused token, a full disk."""
    if status is None or status.online is None:
        words = [texts["waiting"]]
    else:
        words = [texts["online"] if status.online else texts["offline"]]
    if status is not None:
        words.append(f"{status.queued} {texts['queued']}")
        if status.dead:
            words.append(f"{status.dead} {texts['rejected']}")
        if status.problem == "refused":
            words.append(texts["refused"])
        if status.last_sync_at:
            words.append(f"{texts['last_sync']} {local_time(status.last_sync_at, zone)}")
    if storage_problem:
        words.append(texts["storage"])
    return " · ".join(words)


def local_time(stamp, zone=None):
    """HH:MM of a UTC ISO time in `zone` (the server's TIMEZONE, from the kiosk's config), so
    staff read the time of the office's wall clock whatever zone the device was left on; the
    device's own zone when the config names none or one this device does not know."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone(_zone(zone)).strftime("%H:%M")


@functools.lru_cache(maxsize=4)
def _zone(name):
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
