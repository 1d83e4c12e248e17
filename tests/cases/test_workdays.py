"""Due dates count working days in local time: weekends, Tết, 30/4–1/5 and the province's days off skipped."""

import datetime as dt
import zoneinfo

from cases.service import Rules
from cases.workdays import WorkCalendar, parse_days_off
from server.scale import build_scale

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = {"CASE_DUE_WORKING_DAYS": 5, "CASE_REPLY_MAX_SEGMENTS": 3, "CASE_ESCALATION_DAYS": 3,
          "CASE_FEEDBACK_WINDOW_DAYS": 7}


def rules(days_off=()):
    return Rules(build_scale(4, None), HCM, WorkCalendar(days_off), CONFIG)


def test_a_case_opened_before_tet_is_due_after_the_lunar_new_year_holiday():
    # Wednesday 3 February 2027; Tết holiday (29 Tết to mùng 5) runs 4–10 February.
    opened = dt.datetime(2027, 2, 3, 9, 30, tzinfo=HCM)
    assert rules().due(opened) == dt.datetime(2027, 2, 17, 9, 30, tzinfo=HCM)


def test_a_case_opened_before_30_4_skips_30_4_1_5_and_the_weekend():
    # Tuesday 28 April 2026: 29/4 is day 1, 30/4 and 1/5 are holidays, 2–3/5 the weekend.
    opened = dt.datetime(2026, 4, 28, 15, 0, tzinfo=HCM)
    assert rules().due(opened) == dt.datetime(2026, 5, 7, 15, 0, tzinfo=HCM)


def test_local_time_decides_the_day():
    # 18:00 UTC on Friday is 01:00 on Saturday in Vietnam: counting starts from Saturday.
    opened = dt.datetime(2026, 3, 6, 18, 0, tzinfo=dt.UTC)
    assert rules().due(opened).date() == dt.date(2026, 3, 13)


def test_the_provinces_own_days_off_are_skipped():
    opened = dt.datetime(2026, 3, 2, 8, 0, tzinfo=HCM)  # Monday
    assert rules().due(opened).date() == dt.date(2026, 3, 9)
    assert rules(parse_days_off(["2026-03-04"])).due(opened).date() == dt.date(2026, 3, 10)


def test_working_days_to_answer():
    calendar = WorkCalendar()
    assert calendar.between(dt.date(2027, 2, 3), dt.date(2027, 2, 3)) == 0
    assert calendar.between(dt.date(2027, 2, 3), dt.date(2027, 2, 12)) == 2  # Tết in between


def test_bad_days_off_setting_is_named():
    try:
        parse_days_off(["2026-02-30"])
    except ValueError as problem:
        assert "CASE_DAYS_OFF" in str(problem)
    else:
        raise AssertionError("a bad date was accepted")
