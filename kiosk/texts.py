"""Words the kiosk needs beyond what the server's config sends (pure).

The server's `texts` win; these fill gaps (an older server, or a language it added without
them), falling back to Vietnamese like the server does.
"""

import datetime as dt

LOCAL = {
    "vi": {
        "waiting": "Đang kết nối máy chủ…",
        "rejected": "bị từ chối",
        "refused": "máy chủ không nhận kiosk này",
        "storage": "lỗi lưu đánh giá",
        "last_sync": "gửi lần cuối",
    },
    "en": {
        "waiting": "Connecting to the server…",
        "rejected": "rejected",
        "refused": "the server refuses this kiosk",
        "storage": "cannot store ratings",
        "last_sync": "last sent",
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


def label(labels, language):
    return labels.get(language) or labels.get("vi") or next(iter(labels.values()), "")


def status_line(texts, status, storage_problem=None):
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
            words.append(f"{texts['last_sync']} {local_time(status.last_sync_at)}")
    if storage_problem:
        words.append(texts["storage"])
    return " · ".join(words)


def local_time(stamp):
    """HH:MM of a UTC ISO time on the kiosk's own clock (its time zone is set at install)."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%H:%M")
