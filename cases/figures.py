"""Figures of the follow-up work, per office and period (local days of opening).

- opened: cases opened; answered: answered at least once; answered_in_time: first answer
  on or before the first due date; overdue: open now and past due;
- days_median, days_p90: working days from opening to the first answer (nearest rank), over
  the `answered` cases;
- handling_satisfied: share of citizens who answered "did the answer help?" with 1, over
  `feedback_n` answers. Its own figure, never mixed into the rating figures.

Cases closed by themselves (`SYSTEM_OUTCOMES`: the rating was edited to a satisfied level
or flagged as misuse) are left out of every figure.

`case_figures` counts in SQL over the cases table, in one walk of its covering index.
"""

import collections
import json
import math

from server.timeutil import to_stored


def nearest_rank(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def nearest_ranks(values, *shares):
    """`nearest_rank` of each share, from one count of the values instead of a sort per share:
    working days are a few distinct small numbers (a province's year: ~90,000 values, 9 distinct)."""
    if not values:
        return [None] * len(shares)
    counts = sorted(collections.Counter(values).items())
    found = []
    for share in shares:
        rank, seen = max(1, math.ceil(share * len(values))), 0
        for value, count in counts:
            seen += count
            if seen >= rank:
                found.append(value)
                break
    return found


def case_figures(db, office_ids, start_day, end_day, now):
    """Figures of the cases opened at those offices (None: all) on local days start to end.

    Counted in SQL; only the answered cases' working days come back, for the percentiles."""
    from cases.service import SYSTEM_OUTCOMES
    # Cases that closed by themselves (the rating changed, or was flagged as misuse) never
    # called for an answer: not counted.
    clauses = ["opened_day BETWEEN ? AND ?", "(outcome IS NULL OR outcome NOT IN (SELECT value FROM json_each(?)))"]
    params = [start_day, end_day, json.dumps(sorted(SYSTEM_OUTCOMES))]
    if office_ids is not None:
        clauses.append("office_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(office_ids)))
    where = " AND ".join(clauses)
    # One walk of the index; the answered cases' working days come back as one JSON array
    # (a province's year is ~90,000 of them: a row each, in a second walk, cost 1.5 times this).
    opened, in_time, overdue, satisfied, feedback, answered_days = db.execute(
        f"""SELECT COUNT(*), COALESCE(SUM(first_answered_at <= first_due_at), 0),
                   COALESCE(SUM(status = 'open' AND due_at < ?), 0), COALESCE(SUM(feedback = 'satisfied'), 0),
                   COUNT(feedback), json_group_array(answer_working_days) FILTER (WHERE first_answered_at IS NOT NULL)
            FROM cases INDEXED BY cases_figures WHERE {where}""", [to_stored(now), *params]).fetchone()
    days = json.loads(answered_days)
    median, p90 = nearest_ranks(days, 0.5, 0.9)
    return {"opened": opened, "answered": len(days), "answered_in_time": in_time,
            "answered_in_time_share": round(in_time / len(days), 4) if days else None,
            "overdue": overdue, "days_median": median, "days_p90": p90,
            "days_n": len(days), "handling_satisfied": round(satisfied / feedback, 4) if feedback else None,
            "feedback_n": feedback}


def panel(db, tree, user, office_ids, start, end):
    """The overview's and office page's section (dashboards' `dashboard_panels`)."""
    from flask import render_template
    from markupsafe import Markup

    from cases.service import everything_is_none
    from server.timeutil import utcnow
    figures = case_figures(db, everything_is_none(tree, office_ids), start.isoformat(), end.isoformat(), utcnow())
    return Markup(render_template("cases/_figures.html", f=figures, start=start, end=end))


def _share(value):
    return f"{value * 100:.1f} %".replace(".", ",") if value is not None else "–"


def report_section(db, office_ids, first, last):
    """The quarterly report's section (dashboards' `report_sections`): (heading, lines)."""
    from server.timeutil import utcnow
    f = case_figures(db, office_ids, first.isoformat(), last.isoformat(), utcnow())
    if not f["opened"]:
        return "TIẾP NHẬN, TRẢ LỜI PHẢN ÁNH CỦA NGƯỜI DÂN", ["Trong kỳ không có phản ánh nào cần trả lời."]
    lines = [f"Phản ánh tiếp nhận (đánh giá không hài lòng có nêu lý do, góp ý hoặc để lại số điện thoại): "
             f"{f['opened']}.",
             f"Đã trả lời: {f['answered']}, trong đó đúng hạn {f['answered_in_time']} "
             f"({_share(f['answered_in_time_share'])}, n = {f['answered']}); đang quá hạn: {f['overdue']}.",
             (f"Số ngày làm việc đến khi trả lời: trung vị {f['days_median']}, phân vị 90 {f['days_p90']} "
              f"(n = {f['days_n']}).") if f["days_n"] else "Số ngày làm việc đến khi trả lời: chưa có (n = 0).",
             f"Người dân hài lòng với cách giải quyết: {_share(f['handling_satisfied'])} (n = {f['feedback_n']}); "
             "số liệu riêng, không tính vào tỷ lệ hài lòng."]
    return "TIẾP NHẬN, TRẢ LỜI PHẢN ÁNH CỦA NGƯỜI DÂN", lines
