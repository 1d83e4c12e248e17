"""The alert rules on plain numbers: windows, thresholds, office hours."""

import datetime as dt
import zoneinfo

from dashboards.alert_rules import OfficeHours, office_seconds, rate_findings, silent_findings, window_findings

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = OfficeHours.parse("07:30-17:00", [1, 2, 3, 4, 5])


def local(*args):
    return dt.datetime(*args, tzinfo=HANOI)


def test_half_dissatisfied_in_the_window_with_enough_ratings_raises_an_alert():
    found = window_findings({1: (4, 2), 2: (3, 3), 3: (10, 4)}, share=0.5, min_ratings=4, minutes=15)
    assert [(f.office_id, f.details["dissatisfied"], f.details["ratings"]) for f in found] == [(1, 2, 4)]


def test_a_low_rate_needs_enough_ratings_to_raise_an_alert():
    figures = {1: {"responses": 40, "satisfaction_rate": 0.7, "satisfaction_ci95": [0.55, 0.82]},
               2: {"responses": 10, "satisfaction_rate": 0.2, "satisfaction_ci95": [0.05, 0.5]},
               3: {"responses": 400, "satisfaction_rate": 0.85, "satisfaction_ci95": [0.8, 0.88]}}
    assert [f.office_id for f in rate_findings(figures, threshold=0.8, min_ratings=30, days=7)] == [1]


def test_only_office_hours_count_as_silence():
    friday_evening, monday_morning = local(2026, 10, 2, 16, 50), local(2026, 10, 5, 7, 50)
    assert office_seconds(friday_evening, monday_morning, HOURS, HANOI, cap=10**6) == 30 * 60
    lunch = office_seconds(local(2026, 10, 5, 11, 0), local(2026, 10, 5, 12, 0), HOURS, HANOI, cap=10**6)
    assert lunch == 3600


def kiosk(last_seen):
    return {"id": 7, "office_id": 3, "counter": "Quầy 1", "last_seen": last_seen,
            "last_seen_text": last_seen and last_seen.isoformat()}


def test_a_kiosk_is_silent_only_past_the_limit_while_the_office_is_open():
    monday_nine = local(2026, 10, 5, 9, 0)
    assert [f.kiosk_id for f in silent_findings([kiosk(local(2026, 10, 5, 8, 0))], monday_nine, HOURS, HANOI,
                                                30)] == [7]
    assert silent_findings([kiosk(local(2026, 10, 5, 8, 45))], monday_nine, HOURS, HANOI, 30) == []
    sunday = local(2026, 10, 4, 10, 0)
    assert silent_findings([kiosk(local(2026, 10, 2, 10, 0))], sunday, HOURS, HANOI, 30) == []
    assert silent_findings([kiosk(None)], monday_nine, HOURS, HANOI, 30) == []


def test_office_hours_that_make_no_sense_are_refused():
    for text in ("17:00-07:30", "8h-17h"):
        try:
            OfficeHours.parse(text, [1])
        except ValueError as problem:
            assert "OFFICE_HOURS" in str(problem)
        else:
            raise AssertionError(f"{text} was accepted")
