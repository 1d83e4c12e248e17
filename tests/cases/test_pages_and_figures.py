"""The cases pages and figures: viewers read and never act, a stale form loses nothing, the
overview and office page show the figures with their sample sizes, overdue cases alert."""

import datetime as dt
import sqlite3

from cases.figures import case_figures
from dashboards import alerting
from server.db import get_db
from tests.cases.test_cases_api import deliver, minutes_ago
from tests.dashboards.support import csrf_token, log_in
from tests.support import add_kiosk, add_user, pin_clock, rating


def test_figures_median_p90_in_time_and_handling_share():
    db = sqlite3.connect(":memory:")
    db.execute("""CREATE TABLE cases (office_id, opened_day, status, due_at, first_due_at, first_answered_at,
                                      answer_working_days, feedback, outcome)""")
    db.execute("""CREATE INDEX cases_figures ON cases(opened_day, office_id, status, due_at, first_due_at,
                                                      first_answered_at, answer_working_days, feedback, outcome)""")
    db.executemany("INSERT INTO cases VALUES (1, '2026-05-01', ?, ?, ?, ?, ?, ?, ?)", [
        ("closed", "2026-05-08Z", "2026-05-08Z", "2026-05-05Z", 2, "satisfied", "fixed"),
        ("answered", "2026-05-08Z", "2026-05-08Z", "2026-05-10Z", 6, "unsatisfied", None),
        ("answered", "2026-05-08Z", "2026-05-08Z", "2026-05-04Z", 1, None, None),
        ("open", "2026-05-20Z", "2026-05-20Z", None, None, None, None),
        ("open", "2026-06-20Z", "2026-06-20Z", None, None, None, None),
        # closed by itself (the rating was edited to a good one, or flagged as misuse): not counted
        ("closed", "2026-05-08Z", "2026-05-08Z", None, None, None, "rating_changed"),
        ("closed", "2026-05-08Z", "2026-05-08Z", None, None, None, "misuse")])
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    f = case_figures(db, None, "2026-05-01", "2026-05-31", now)
    assert (f["opened"], f["answered"], f["answered_in_time"], f["overdue"]) == (5, 3, 2, 1)
    assert (f["days_median"], f["days_p90"], f["days_n"]) == (2, 6, 3)
    assert (f["handling_satisfied"], f["feedback_n"]) == (0.5, 2)
    assert case_figures(db, {2}, "2026-05-01", "2026-05-31", now)["handling_satisfied"] is None



def test_median_and_p90_from_one_count_equal_the_nearest_rank_of_the_sorted_days():
    """The percentiles come from one count of the working days, not a sort per share; they are
    the nearest rank of the sorted days for every length (odd, even, one, none) and spread."""
    import random

    from cases.figures import nearest_rank, nearest_ranks

    rng = random.Random(12)
    for length in [0, 1, 2, 3, 9, 10, 11, 99, 100, 101, *(rng.randint(1, 5000) for _ in range(200))]:
        days = [rng.choice([rng.randint(0, 8), rng.randint(0, 60)]) for _ in range(length)]
        assert nearest_ranks(days, 0.5, 0.9) == [nearest_rank(days, 0.5), nearest_rank(days, 0.9)]
    assert nearest_ranks([5, 1, 3, 2], 0.5, 0.9) == [2, 5]


def test_figures_from_one_grouped_walk_equal_those_from_every_case_read_one_by_one():
    """The overview's case figures come from one walk of the index (a
    province's year: ~90,000 answered cases); they equal the figures computed case by case."""
    import random

    from cases.figures import nearest_rank

    db = sqlite3.connect(":memory:")
    db.execute("""CREATE TABLE cases (office_id, opened_day, status, due_at, first_due_at, first_answered_at,
                                      answer_working_days, feedback, outcome)""")
    db.execute("""CREATE INDEX cases_figures ON cases(opened_day, office_id, status, due_at, first_due_at,
                                                      first_answered_at, answer_working_days, feedback, outcome)""")
    rng, rows = random.Random(13), []
    for _ in range(3000):
        day = f"2026-05-{rng.randint(1, 31):02d}"
        status = rng.choice(["open", "answered", "closed"])
        answered = f"2026-05-{rng.randint(1, 28):02d}Z" if status != "open" else None
        rows.append((rng.randint(1, 4), day, status, f"2026-{rng.choice(['05', '06'])}-15Z", "2026-05-15Z", answered,
                     rng.randint(0, 12) if answered else None,
                     rng.choice([None, "satisfied", "unsatisfied"]) if answered else None,
                     rng.choice([None, "fixed", "misuse"]) if status == "closed" else None))
    db.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    statements = []
    db.set_trace_callback(statements.append)
    f = case_figures(db, {1, 2, 3}, "2026-05-03", "2026-05-29", now)
    db.set_trace_callback(None)
    assert len(statements) == 1
    counted = [r for r in rows if r[0] in {1, 2, 3} and "2026-05-03" <= r[1] <= "2026-05-29" and r[8] != "misuse"]
    days = [r[6] for r in counted if r[5] is not None]
    feedback = [r[7] for r in counted if r[7] is not None]
    assert f == {
        "opened": len(counted), "answered": len(days),
        "answered_in_time": sum(1 for r in counted if r[5] is not None and r[5] <= r[4]),
        "answered_in_time_share": round(sum(1 for r in counted if r[5] is not None and r[5] <= r[4]) / len(days), 4),
        "overdue": sum(1 for r in counted if r[2] == "open" and r[3] < "2026-06-01T00:00:00.000Z"),
        "days_median": nearest_rank(days, 0.5), "days_p90": nearest_rank(days, 0.9), "days_n": len(days),
        "handling_satisfied": round(feedback.count("satisfied") / len(feedback), 4), "feedback_n": len(feedback)}
    assert 0 < f["overdue"] < f["opened"] and f["days_median"] < f["days_p90"]

def setup(app):
    token = add_kiosk(app)[1]
    for name, role, office in (("giamsat", "supervisor", "D"), ("xem", "viewer", "D"), ("tinh", "supervisor", "P")):
        add_user(app, name, role, office)
    return token


def test_viewer_reads_the_case_but_has_no_actions_and_cannot_post(app, province):
    token = setup(app)
    client = app.test_client()
    deliver(client, token, [rating(1, minutes_ago(5), comment="Chờ lâu quá", contact="0912345678",
                                   contact_consent=True)])
    viewer = app.test_client()
    log_in(viewer, "xem", "correct-horse")
    listing = viewer.get("/dashboard/cases")
    assert listing.status_code == 200 and "Chờ lâu quá" in listing.text and "+8491*****78" in listing.text
    assert "0912345678" not in listing.text and "+84912345678" not in listing.text
    page = viewer.get("/dashboard/cases/1")
    assert page.status_code == 200 and "Xử lý" not in page.text and "Đóng phản ánh" not in page.text
    token_value = csrf_token(page.text)
    refused = viewer.post("/dashboard/cases/1/update", data={"csrf_token": token_value, "action": "note",
                                                              "note": "x"}, follow_redirects=True)
    assert "viewers read cases" in refused.text
    assert viewer.get("/dashboard/cases/999").status_code == 404


def test_a_stale_form_says_the_case_changed_and_loses_nothing(app, province):
    token = setup(app)
    deliver(app.test_client(), token, [rating(1, minutes_ago(5), comment="Thái độ không tốt")])
    first, second = app.test_client(), app.test_client()
    log_in(first, "giamsat", "correct-horse")
    log_in(second, "tinh", "correct-horse")
    page_one, page_two = first.get("/dashboard/cases/1").text, second.get("/dashboard/cases/1").text
    assert 'name="version" value="1"' in page_one and 'name="version" value="1"' in page_two
    done = first.post("/dashboard/cases/1/update", data={"csrf_token": csrf_token(page_one), "action": "assign",
                                                          "assignee": "giamsat", "version": "1"},
                      follow_redirects=True)
    assert "Đã giao xử lý." in done.text
    stale = second.post("/dashboard/cases/1/update", data={"csrf_token": csrf_token(page_two), "action": "close",
                                                            "outcome": "explained", "version": "1"},
                        follow_redirects=True)
    assert "vừa được người khác cập nhật" in stale.text and "Người xử lý: <strong>giamsat</strong>" in stale.text
    assert "Đang mở" in stale.text


def test_the_overview_and_office_page_show_the_case_figures(app, province):
    token = setup(app)
    deliver(app.test_client(), token, [rating(1, minutes_ago(9), comment="Chậm"), rating(1, minutes_ago(3),
                                                                                       reasons=["fees"])])
    client = app.test_client()
    log_in(client, "tinh", "correct-horse")
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    period = {"preset": "custom", "from": (today - dt.timedelta(days=30)).isoformat(), "to": today.isoformat()}
    for url in ("/dashboard", "/dashboard/office/D"):
        html = client.get(url, query_string=period).text
        assert "Trả lời phản ánh của công dân" in html, url
        assert "<th>Phản ánh đã mở</th><td class=\"num\">2</td>" in html
        assert "– (n = 0)" in html


def test_overdue_cases_alert_the_office_and_then_the_parent(app, province, monkeypatch):
    token = setup(app)
    # The case opens when its rating reaches the server: 10:00 on Monday 16 November 2026 in
    # Vietnam, so the checks an hour past the due date and five minutes later fall on one local
    # day, and ten days on lie more than three working days past it. On the machine's clock a run
    # at 22:55-23:00 local put the second check on the next local day (a second alert), and a case
    # due just before Tết had fewer than three working days in the ten.
    now = pin_clock(monkeypatch, dt.datetime(2026, 11, 16, 3, 0, tzinfo=dt.UTC))
    deliver(app.test_client(), token, [rating(1, now - dt.timedelta(minutes=3), comment="Chậm")])
    with app.app_context():
        db = get_db()
        due = db.execute("SELECT due_at FROM cases").fetchone()[0]
        assert due.startswith("2026-11-23T03:00:00")  # five working days on, at the hour it opened
        later = dt.datetime.fromisoformat(due.replace("Z", "+00:00")) + dt.timedelta(hours=1)
        first = alerting.check(app, db, later)
        rules = [row for row in db.execute("SELECT rule, office_id, details FROM alerts ORDER BY id")]
        assert [r[0] for r in rules] == ["case_overdue"] and len(first) == 1
        assert alerting.check(app, db, later + dt.timedelta(minutes=5)) == []  # once a day
        much_later = later + dt.timedelta(days=10)
        alerting.check(app, db, much_later)
        found = db.execute("""SELECT a.rule, o.code FROM alerts a JOIN offices o ON o.id = a.office_id
                              ORDER BY a.id""").fetchall()
    assert ("case_escalated", "P") in found and found.count(("case_overdue", "D")) == 2


def test_the_cases_pages_speak_english_when_the_reader_chose_it(app, province):
    token = setup(app)
    deliver(app.test_client(), token, [rating(1, minutes_ago(5), comment="Chờ lâu quá", contact="0912345678",
                                              contact_consent=True)])
    client = app.test_client()
    log_in(client, "giamsat", "correct-horse")
    vietnamese = client.get("/dashboard/cases").text
    assert "Phản ánh cần trả lời công dân" in vietnamese and "Hạn trả lời" in vietnamese
    client.get("/language/en")
    listing = client.get("/dashboard/cases").text
    assert "Citizens' feedback to answer" in listing and "Answer due" in listing and ">Cases<" in listing
    page = client.get("/dashboard/cases/1").text
    for words in ("Case #1", "The citizen's rating", "Timeline", "Case opened", "Handling", "Assign to",
                  "Close the case", "Internal note", "Fixed"):
        assert words in page, words
    # Nothing left in Vietnamese but what citizens wrote and the SMS question they will be sent.
    for vietnamese_word in ("Phản ánh", "Diễn biến", "Xử lý", "Đóng phản ánh", "Ghi chú", "Hạn trả lời",
                            "Đã khắc phục"):
        assert vietnamese_word not in listing + page, vietnamese_word
    assert "Chờ lâu quá" in page
