"""The outbox on a real SQLite file: durable, ordered, held while reasons are chosen, dead letters kept."""

from kiosk.outbox import Outbox
from tests.kiosk.support import queued_rating


def test_a_stored_rating_is_there_after_the_kiosk_restarts(tmp_path):
    rating = queued_rating(3)
    Outbox(tmp_path / "outbox.db").add(rating)  # no close: as if the process died right after
    assert Outbox(tmp_path / "outbox.db").next_batch(10) == [rating]


def test_ratings_come_out_in_the_order_they_were_given(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    given = [queued_rating(score) for score in (4, 1, 3, 2, 4, 4)]
    for rating in given:
        outbox.add(rating)
    assert [r["id"] for r in outbox.next_batch(4)] == [r["id"] for r in given[:4]]
    assert outbox.queued() == 6


def test_a_held_rating_waits_for_its_reasons(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    held, later = queued_rating(1), queued_rating(4)
    outbox.add(held, held=True)
    outbox.add(later)
    assert [r["id"] for r in outbox.next_batch(10)] == [later["id"]]
    outbox.release(held["id"], ("waiting_time", "fees"))
    first = outbox.next_batch(10)[0]
    assert first["id"] == held["id"] and first["reasons"] == ["waiting_time", "fees"]


def test_a_kiosk_that_died_on_the_reasons_screen_sends_that_rating_without_reasons(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    held = queued_rating(1)
    outbox.add(held, held=True)
    restarted = Outbox(tmp_path / "outbox.db")
    assert restarted.release_all_held() == 1
    assert restarted.next_batch(10) == [held]


def test_settling_removes_delivered_keeps_unanswered_and_sets_rejected_aside(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    accepted, duplicate, rejected, unanswered = (queued_rating() for _ in range(4))
    for rating in (accepted, duplicate, rejected, unanswered):
        outbox.add(rating)
    results = {accepted["id"]: {"status": "accepted"}, duplicate["id"]: {"status": "duplicate"},
               rejected["id"]: {"status": "rejected", "error": "score: must be an integer from 1 to 4"}}
    assert outbox.settle(outbox.next_batch(10), results, "2026-03-05T02:00:00.000+00:00") == (2, 1)
    assert [r["id"] for r in outbox.next_batch(10)] == [unanswered["id"]]
    dead = outbox.dead_letters()
    assert [(d["id"], d["error"]) for d in dead] == [(rejected["id"], "score: must be an integer from 1 to 4")]
    assert dead[0]["item"] == rejected
    assert outbox.dead_count() == 1 and outbox.queued() == 1


def test_vietnamese_text_survives_the_round_trip(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    rating = queued_rating(2, staff="CB-Đắk")
    outbox.add(rating)
    assert outbox.next_batch(1)[0]["staff"] == "CB-Đắk"
