"""The dossier figures beside satisfaction: on the overview, the office page and the quarterly
report (the dashboards' `dashboard_panels` and `report_sections`), from the rollups.

For a set of offices and local days: dossiers received and returned, the on-time rate of the
returned ones, the late ones (promised in the period and missed) and how many of those got
an apology on or before the promised date, and the response rate: ratings given in the
period (every channel, misuse left out, and only from the first day the dossier system
reported for those offices) per dossier returned. Each rate with its n.
"""

import datetime as dt
import json

from dossiers.summary import COLUMNS
from server.timeutil import local_today


def totals(db, office_ids, first, last, today):
    ids = json.dumps(sorted(office_ids))
    counts = dict.fromkeys(COLUMNS, 0)
    late = 0
    sums = ", ".join(f"SUM({name})" for name in COLUMNS)
    for past, (low, high) in ((True, (first, min(last, today - dt.timedelta(days=1)))), (False, (max(first, today),
                                                                                                  last))):
        if low > high:
            continue
        row = db.execute(f"""SELECT {sums} FROM dossier_rollup_daily WHERE day BETWEEN ? AND ?
                             AND office_id IN (SELECT value FROM json_each(?))""",
                         [low.isoformat(), high.isoformat(), ids]).fetchone()
        part = dict(zip(COLUMNS, (n or 0 for n in row), strict=True))
        for name in COLUMNS:
            counts[name] += part[name]
        late += part["due"] - part["due_on_time"] if past else part["returned_late"]
    # Ratings count only from the first day the dossier system reported for these offices:
    # before it there is no denominator, and a rate over 100 % would be no figure at all.
    since = db.execute("SELECT MIN(day) FROM dossier_rollup_daily WHERE office_id IN (SELECT value FROM json_each(?))",
                       [ids]).fetchone()[0]
    rated_from = max(first.isoformat(), since) if since else last.isoformat() + "~"
    rated = db.execute("""SELECT COALESCE(SUM(n), 0) FROM rollup_daily WHERE day BETWEEN ? AND ? AND misuse = 0
                          AND office_id IN (SELECT value FROM json_each(?))""",
                       [rated_from, last.isoformat(), ids]).fetchone()[0]
    rate = lambda a, b: a / b if b else None  # noqa: E731
    return {"received": counts["received"], "returned": counts["returned"],
            "returned_on_time": counts["returned_on_time"], "late": late,
            "apologised_in_time": counts["apologised_in_time"], "rated": rated,
            "on_time_rate": rate(counts["returned_on_time"], counts["returned"]),
            "apology_rate": rate(counts["apologised_in_time"], late),
            "response_rate": rate(rated, counts["returned"]),
            "rated_from": dt.date.fromisoformat(since) if since else None}


def panel(db, tree, user, office_ids, start, end):
    from flask import current_app, render_template
    from markupsafe import Markup

    figures = totals(db, office_ids, start, end, local_today(current_app.extensions["timezone"]))
    if not figures["received"] and not figures["returned"]:
        return Markup("")
    return Markup(render_template("dossiers/_totals.html", f=figures, start=start, end=end))


def _share(value):
    return "–" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _n(value):
    return f"{value:,}".replace(",", ".")


def report_section(db, office_ids, first, last):
    from flask import current_app

    f = totals(db, office_ids, first, last, local_today(current_app.extensions["timezone"]))
    heading = "GIẢI QUYẾT HỒ SƠ VÀ TỶ LỆ PHẢN HỒI"
    if not f["received"] and not f["returned"]:
        return heading, ["Hệ thống chưa nhận dữ liệu hồ sơ của kỳ này từ hệ thống một cửa điện tử."]
    return heading, [
        f"Hồ sơ tiếp nhận: {_n(f['received'])}; hồ sơ đã trả kết quả: {_n(f['returned'])}.",
        f"Trả kết quả đúng hạn: {_n(f['returned_on_time'])} ({_share(f['on_time_rate'])}, n = {_n(f['returned'])}).",
        f"Hồ sơ trễ hạn: {_n(f['late'])}; có phiếu xin lỗi trước hoặc đúng ngày hẹn: {_n(f['apologised_in_time'])} "
        f"({_share(f['apology_rate'])}, n = {_n(f['late'])}).",
        f"Tỷ lệ phản hồi (số phiếu đánh giá trên số hồ sơ đã trả): {_share(f['response_rate'])} "
        f"({_n(f['rated'])} phiếu / {_n(f['returned'])} hồ sơ).",
    ]
