"""Figures of the follow-up work, per office and period (local days of opening).

- opened: cases opened; answered: answered at least once; answered_in_time: first answer
  on or before the first due date; overdue: open now and past due;
- days_median, days_p90: working days from opening to the first answer (nearest rank), over
  the `answered` cases;
- handling_satisfied: share of citizens who answered "did the answer help?" with 1, over
  `feedback_n` answers. Its own figure, never mixed into the rating figures.

`summarise` is pure; `case_figures` reads the cases table.
"""

import json
import math

from server.timeutil import to_stored


def nearest_rank(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(rows, now_stored):
    """rows: (status, due_at, first_due_at, first_answered_at, answer_working_days, feedback)."""
    opened = len(rows)
    answered = [r for r in rows if r[3] is not None]
    in_time = sum(1 for r in answered if r[3] <= r[2])
    overdue = sum(1 for r in rows if r[0] == "open" and r[1] < now_stored)
    days = [r[4] for r in answered if r[4] is not None]
    feedback = [r[5] for r in rows if r[5] is not None]
    satisfied = sum(1 for f in feedback if f == "satisfied")
    return {"opened": opened, "answered": len(answered), "answered_in_time": in_time,
            "answered_in_time_share": round(in_time / len(answered), 4) if answered else None,
            "overdue": overdue, "days_median": nearest_rank(days, 0.5), "days_p90": nearest_rank(days, 0.9),
            "days_n": len(days), "handling_satisfied": round(satisfied / len(feedback), 4) if feedback else None,
            "feedback_n": len(feedback)}


def case_figures(db, office_ids, start_day, end_day, now):
    """Figures of the cases opened at those offices (None: all) on local days start to end."""
    clauses, params = ["opened_day BETWEEN ? AND ?"], [start_day, end_day]
    if office_ids is not None:
        clauses.append("office_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(office_ids)))
    rows = db.execute(f"""SELECT status, due_at, first_due_at, first_answered_at, answer_working_days, feedback
                          FROM cases WHERE {' AND '.join(clauses)}""", params).fetchall()
    return summarise(rows, to_stored(now))


def panel(db, tree, user, office_ids, start, end):
    """The overview's and office page's section (dashboards' `dashboard_panels`)."""
    from flask import render_template
    from markupsafe import Markup

    from server.timeutil import utcnow
    figures = case_figures(db, office_ids, start.isoformat(), end.isoformat(), utcnow())
    return Markup(render_template("cases/_figures.html", f=figures, start=start, end=end))
