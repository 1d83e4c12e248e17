"""The apology for a late dossier: recorded, counted, sent by SMS, and written as the form.

`POST /api/v1/dossiers/<code>/apology` with `{"new_due_at", "reason"}` records it on a dossier
that is open (an office apologises before the promised date when it knows it will be late:
that is "in time") or was returned late. The first apology's time is what the figures judge
(on or before the promised date or not); a later one only moves the new date and reason.
When the dossier still has the citizen's number the apology goes by SMS too.

The document is the "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in the shape of the form in
the one-stop regulation (Circular 01/2018/TT-VPCP, form 04): issuing office and national
motto, number and date line, title, "Kính gửi", the dossier, its promised date, the reason,
the apology, the new date, the signature block. The citizen's name is left to be written
in by hand (this system never stores it). Word to edit before signing, PDF to print or mail.
"""

import datetime as dt

from dossiers import storage
from dossiers.events import dossier_from_row
from server import scope
from server.ratings import is_text
from server.timeutil import from_stored, parse_client_time, to_stored

MAX_REASON = 500


class ApologyError(ValueError):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def parse_fields(body, timezone, now):
    reason = body.get("reason")
    if not is_text(reason) or not reason.strip() or len(reason) > MAX_REASON:
        raise ApologyError(400, f"reason: must be a non-empty text of at most {MAX_REASON} characters")
    value = body.get("new_due_at")
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ApologyError(400, "new_due_at: must be a date (YYYY-MM-DD) or a timestamp with an offset") from None
        new_due = dt.datetime.combine(day, dt.time(23, 59, 59, 999000), timezone)
    else:
        try:
            new_due = parse_client_time(value)
        except ValueError as problem:
            raise ApologyError(400, f"new_due_at: {problem}") from None
    if new_due <= now:
        raise ApologyError(400, "new_due_at: the new date must be in the future")
    return new_due, " ".join(reason.split())


def record(db, engine, tree, user, code, body, now, send_sms=None):
    """Record the apology; returns the dossier row. ApologyError with 400/403/404/409."""
    if user["role"] == "viewer":
        raise ApologyError(403, "viewers cannot record apologies")
    row = storage.dossier(db, code)
    if row is None or not scope.may_see(tree, user, row["office_id"]):
        raise ApologyError(404, f"no dossier {code[:64]!r} (or outside your scope)")
    new_due, reason = parse_fields(body, engine.timezone, now)
    dossier = dossier_from_row(row)
    if dossier.status == "cancelled" or (dossier.status == "returned" and not dossier.late(now)):
        outcome = "cancelled" if dossier.status == "cancelled" else "returned on time"
        raise ApologyError(409, f"dossier {code} was {outcome}: no apology is due")
    if dossier.promised_due_at is not None and new_due <= dossier.promised_due_at:
        raise ApologyError(400, "new_due_at: must be after the promised date")
    first_apology = from_stored(row["apology_at"]) if row["apology_at"] else None
    apology_at = first_apology or now
    changes = {}
    engine._count(changes, dossier, dossier, first_apology, apology_at)
    storage.apply_rollup(db, changes)
    row.update({"apology_at": to_stored(apology_at), "apology_new_due_at": to_stored(new_due), "due_at":
                to_stored(new_due), "apology_reason": reason, "apology_by": user["id"], "updated_at": to_stored(now)})
    phone = storage.contact(db, code)
    if phone is not None and send_sms is not None and dossier.status == "open":
        office = tree.by_id[row["office_id"]]
        row["apology_message_id"] = send_sms(db, phone, sms_text(office.name, code, new_due, reason,
                                                                 engine.timezone), "apology")
    storage.save_dossier(db, row)
    return row


def sms_text(office_name, code, new_due, reason, timezone):
    day = new_due.astimezone(timezone)
    return (f"{office_name} xin lỗi Ông/Bà: hồ sơ {code} chưa có kết quả đúng hẹn. Lý do: {reason[:120]}. "
            f"Hẹn trả kết quả ngày {day:%d/%m/%Y}.")


# --- the document -------------------------------------------------------------------------------

def _date_line(place, day):
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def document_context(db, tree, row, timezone, now):
    """What the form says, from the dossier row (pure data for both formats)."""
    office = tree.by_id[row["office_id"]]
    parent = tree.by_id.get(office.parent_id) if office.parent_id else None
    local = lambda text: from_stored(text).astimezone(timezone) if text else None  # noqa: E731
    counter = None
    if row["counter_id"]:
        found = db.execute("SELECT label FROM counters WHERE id = ?", [row["counter_id"]]).fetchone()
        counter = found[0] if found else None
    received, promised, new_due = local(row["received_at"]), local(row["promised_due_at"]), local(row["due_at"])
    issued = local(row["apology_at"]) or now.astimezone(timezone)
    return {
        "parent": (parent.name if parent else "").upper(), "office": office.name, "office_upper": office.name.upper(),
        "number": f"Số: ....../PXL-{office.code}", "date_line": _date_line("...........", issued.date()),
        "title": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "paragraphs": [
            "Kính gửi: Ông/Bà ...................................................................",
            f"Ngày {received:%d/%m/%Y}, {office.name} tiếp nhận hồ sơ đề nghị giải quyết thủ tục hành chính"
            + (f" ({row['service']})" if row["service"] else "") + " của Ông/Bà"
            + (f" tại {counter}" if counter else "") + ".",
            f"Mã hồ sơ: {row['code']}.",
            f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {promised:%H giờ %M, ngày %d/%m/%Y}." if promised else
            "Thời gian hẹn trả kết quả giải quyết hồ sơ: ...........",
            f"Tuy nhiên đến nay, {office.name} chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng hẹn "
            f"như đã ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
            f"Lý do: {row['apology_reason'] or '...........'}",
            f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {office.name} xin lỗi Ông/Bà và sự bất tiện này.",
            f"{office.name} sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào ngày {new_due:%d/%m/%Y}." if new_due else
            f"{office.name} sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào ngày ...........",
            "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.",
        ],
        "signature_title": "THỦ TRƯỞNG CƠ QUAN", "signature_note": "(Ký, ghi rõ họ tên và đóng dấu)",
        "recipients": ["Như trên;", "Lưu: VT, bộ phận một cửa."],
    }

