"""attach_followup: a follow-up's reasons and comment land on the stored rating and its rollup."""

import datetime as dt

from server.db import get_db, write_transaction
from server.offices import load_tree
from server.ratings import Rating, Source, attach_followup

CLIENT_ID = "0b5e2c1a-7d3f-4c8e-9a21-3f6d5e4c2b10"


def store(app, score=1, reasons=()):
    with app.app_context():
        db = get_db()
        office_id = db.execute("SELECT id FROM offices WHERE code = 'D'").fetchone()[0]
        rating = Rating(CLIENT_ID, score, dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC), reasons=list(reasons))
        with write_transaction(db):
            app.extensions["ingest"].store(db, load_tree(db), Source("sms", office_id), [rating], {},
                                           dt.datetime(2026, 3, 5, 3, 1, tzinfo=dt.UTC))


def state(app):
    with app.app_context():
        db = get_db()
        rating = dict(next(db.query("SELECT score, reasons, comment FROM ratings")))
        reasons = dict(db.execute("SELECT reason, n FROM rollup_reasons WHERE n != 0").fetchall())
        daily = db.execute("SELECT SUM(n), SUM(n1) FROM rollup_daily").fetchone()
    return rating, reasons, tuple(daily)


def test_reasons_and_comment_are_stored_on_the_rating_and_counted_once(province):
    store(province)
    with province.app_context():
        assert attach_followup(get_db(), CLIENT_ID, ["waiting_time", "fees"], "  Chờ hai tiếng  ")
    rating, reasons, daily = state(province)
    assert rating == {"score": 1, "reasons": '["waiting_time", "fees"]', "comment": "Chờ hai tiếng"}
    assert reasons == {"waiting_time": 1, "fees": 1}
    assert daily == (1, 1)  # the rating is still counted once


def test_new_reasons_replace_the_old_ones_in_the_rollup(province):
    store(province, reasons=["staff_attitude"])
    with province.app_context():
        attach_followup(get_db(), CLIENT_ID, ["late_result"])
    rating, reasons, _ = state(province)
    assert rating["reasons"] == '["late_result"]' and reasons == {"late_result": 1}


def test_a_comment_alone_keeps_the_reasons(province):
    store(province, reasons=["fees"])
    with province.app_context():
        attach_followup(get_db(), CLIENT_ID, None, "Phí cao")
    rating, reasons, _ = state(province)
    assert rating == {"score": 1, "reasons": '["fees"]', "comment": "Phí cao"} and reasons == {"fees": 1}


def test_an_unknown_rating_changes_nothing(province):
    with province.app_context():
        assert attach_followup(get_db(), "9f0b6a2e-0000-4000-8000-000000000000", ["fees"], "x") is False
        assert get_db().execute("SELECT COUNT(*) FROM rollup_reasons").fetchone()[0] == 0


def test_inside_a_failed_transaction_nothing_is_half_stored(province):
    store(province)
    with province.app_context():
        db = get_db()
        try:
            with write_transaction(db):
                attach_followup(db, CLIENT_ID, ["fees"], "x")
                raise RuntimeError("the caller's work failed")
        except RuntimeError:
            pass
    rating, reasons, _ = state(province)
    assert rating["reasons"] is None and reasons == {}
