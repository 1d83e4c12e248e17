"""Ratings no citizen gave: marks, the integrity page, and exclude_suspect=1 on the stats."""

import datetime as dt

import pytest

from dossiers import integrity_rules
from tests.dashboards.support import log_in
from tests.dossiers.support import event, local, post_events
from tests.support import add_kiosk, add_user, auth, rating

TODAY = dt.datetime.now(dt.UTC).astimezone(local(2026, 1, 1).tzinfo).date()
# A past weekday within the last week (the check below looks 7 days back).
DAY = next(TODAY - dt.timedelta(days=n) for n in range(1, 8) if (TODAY - dt.timedelta(days=n)).isoweekday() <= 5)


def at(hour, minute, second=0):
    return dt.datetime.combine(DAY, dt.time(hour, minute, second), local(2026, 1, 1).tzinfo)


@pytest.mark.parametrize("statistic, dof", [(3.841459, 1), (5.991465, 2), (7.814728, 3), (9.487729, 4)])
def test_the_chi_square_survival_gives_the_textbook_five_percent_points(statistic, dof):
    assert integrity_rules.chi_square_survival(statistic, dof) == pytest.approx(0.05, abs=1e-5)


def test_a_distribution_that_moved_is_flagged_and_a_small_sample_is_not_tested():
    before = {1: 10, 2: 20, 3: 40, 4: 30}
    assert integrity_rules.distribution_shift({1: 11, 2: 19, 3: 41, 4: 29}, before, 0.001, 30).flagged is False
    assert integrity_rules.distribution_shift({1: 0, 2: 2, 3: 8, 4: 90}, before, 0.001, 30).flagged is True
    assert integrity_rules.distribution_shift({4: 10}, before, 0.001, 30) is None


def test_unmatched_outside_hours_and_bursts_are_marked_and_can_be_left_out_of_the_stats(dossier_app, integration):
    client = dossier_app.test_client()
    _, kiosk_token = add_kiosk(dossier_app, "D", "Quầy 1")
    post_events(client, integration, event("received", "HS-1", at(9, 0), counter="Quầy 1", due_at=at(16, 0)),
                event("returned", "HS-1", at(15, 0), counter="Quầy 1"))
    ratings = [rating(3, at(9, 5)),                       # 5 min after a dossier was received: matched
               rating(2, at(11, 0)),                      # nothing at the counter in the 20 min before
               rating(4, at(15, 10)),                     # after a return: matched
               rating(4, at(20, 30)),                     # outside office hours
               # five more top scores: with 15:10, six within three minutes, a burst
               *[rating(4, at(15, 11) + dt.timedelta(seconds=20 * n)) for n in range(1, 6)]]
    results = client.post("/api/v1/ratings", json={"ratings": ratings}, headers=auth(kiosk_token)).get_json()
    assert {r["status"] for r in results["results"]} == {"accepted"}
    check = dossier_app.test_cli_runner().invoke(args=["dossiers", "integrity-check", "--days", "7"])
    assert check.exit_code == 0, check.output
    assert "9 ratings marked, 8 suspect" in check.output  # only 09:05 is matched and not in a burst

    admin = auth(add_user(dossier_app))
    window = {"office": "D", "period": "day", "from": DAY.isoformat(), "to": DAY.isoformat()}
    every = client.get("/api/v1/stats", query_string=window, headers=admin).get_json()["rows"]
    kept = client.get("/api/v1/stats", query_string={**window, "exclude_suspect": "1"}, headers=admin).get_json()
    assert every[0]["responses"] == 9
    assert kept["exclude_suspect"] is True and [r["responses"] for r in kept["rows"]] == [1]

    browser = dossier_app.test_client()
    assert log_in(browser, "admin", "correct-horse").status_code == 302
    page = browser.get("/dashboard/integrity", query_string={"preset": "custom", "from": DAY.isoformat(),
                                                             "to": DAY.isoformat()})
    assert page.status_code == 200
    text = page.text
    assert "Quầy 1" in text and "Huyện Một" in text
    # 2 of 9 unmatched (11:00 and 20:30), 1 outside hours, 6 in the burst, with the sample size.
    cells = [cell.split("<")[0] for cell in text.split('<td class="num">')[1:5]]
    assert cells == ["9", "2 (22,2\u00a0%)", "1", "6"], cells


def test_a_counter_is_listed_under_the_office_its_ratings_count_for_not_the_one_it_was_made_at(dossier_app):
    """The demo's kiosks moved with their buildings in July 2025: a counter made at an office merged
    away keeps rating for the successor. The integrity page names the successor, as the stats do."""
    from dossiers import integrity
    from server.db import get_db, write_transaction
    from server.offices import load_tree

    add_kiosk(dossier_app, "C", "Quầy 1")
    with dossier_app.app_context():
        db = get_db()
        d, c = (db.execute("SELECT id FROM offices WHERE code = ?", [code]).fetchone()[0] for code in ("D", "C"))
        counter = db.execute("SELECT id FROM counters WHERE office_id = ?", [c]).fetchone()[0]
        with write_transaction(db):
            db.execute("""INSERT INTO dossier_rating_marks (rating_id, office_id, counter_id, day, channel, misuse,
                          score, matched, outside_hours, burst, suspect)
                          VALUES (1, ?, ?, ?, 'kiosk', 0, 4, 0, 0, 0, 1)""",
                       [d, counter, DAY.isoformat()])
        tree = load_tree(db)
        [row] = integrity.counter_report(db, tree, {d, c}, DAY, DAY, dossier_app.config,
                                         dossier_app.extensions["scale"])
    assert (row["office_name"], row["counter"], row["n"], row["unmatched"]) == ("Huyện Một", "Quầy 1", 1, 1)
