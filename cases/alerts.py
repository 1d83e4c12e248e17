"""Overdue cases as alerts, through the dashboards' alert machinery (dashboards/alerting.py
reads `app.extensions["alert_sources"]`).

Once a local day, an office with open cases past their due date gets one alert (to its
supervisors, or the nearest ancestor's); cases CASE_ESCALATION_DAYS working days past due
are raised, also once a day, to the supervisors of the office's parent.
"""

import datetime as dt

from server.offices import load_tree
from server.timeutil import to_stored


def escalation_cutoff(rules, now):
    """The moment before which a due date is CASE_ESCALATION_DAYS working days past."""
    day = now.astimezone(rules.timezone).date()
    counted = 0
    while counted < rules.escalation_days:
        if rules.calendar.is_working(day):
            counted += 1
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=rules.timezone)


def findings(app, db, now):
    from dashboards.alert_rules import Finding

    rules = app.extensions["cases"]
    tree = load_tree(db)
    today = now.astimezone(rules.timezone).date().isoformat()
    found = []
    overdue = db.execute("""SELECT office_id, COUNT(*), MIN(due_at) FROM cases
                            WHERE status = 'open' AND due_at < ? GROUP BY office_id""", [to_stored(now)]).fetchall()
    for office_id, count, oldest in overdue:
        name = tree.by_id[office_id].name
        found.append(Finding("case_overdue", office_id, f"cases-overdue:{office_id}:{today}", {
            "once": True, "cases": count, "oldest_due_at": oldest,
            "text": f"Cảnh báo: {name} có {count} phản ánh quá hạn trả lời công dân (xem /dashboard/cases)."}))
    cutoff = to_stored(escalation_cutoff(rules, now))
    late = db.execute("""SELECT office_id, COUNT(*) FROM cases WHERE status = 'open' AND due_at < ?
                         GROUP BY office_id""", [cutoff]).fetchall()
    for office_id, count in late:
        parent = tree.parent(office_id, "current") or office_id
        name = tree.by_id[office_id].name
        found.append(Finding("case_escalated", parent, f"cases-escalated:{office_id}:{today}", {
            "once": True, "cases": count, "office": tree.by_id[office_id].code,
            "text": f"Cảnh báo: {name} có {count} phản ánh quá hạn hơn {rules.escalation_days} ngày làm việc "
                    "chưa trả lời công dân (xem /dashboard/cases)."}))
    return found
