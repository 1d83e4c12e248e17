"""The database's disk fills up: clean 503 answers with Retry-After, nothing half-stored,
no corruption, /healthz says so, a restart while full comes up, and once space returns the
kiosks' retried ratings all land exactly once. The volume is a tmpfs mounted for the test."""

import pytest

from server import create_app, offices
from server.db import get_db, write_transaction
from soak import scenarios, verify
from soak.volume import fill, small_volume
from tests.support import rating


@pytest.fixture
def full_disk_app(tmp_path):
    """An app whose database lives on a 12 MB tmpfs, with a kiosk; yields (app, token, volume)."""
    with small_volume(tmp_path / "volume", 12) as volume:
        app = create_app({"DATABASE": str(volume / "small.db"), "TESTING": True})
        with app.app_context():
            db = get_db()
            with write_transaction(db):
                offices.add_office(db, "P", "Tỉnh Thử", None, "province")
                _, token, _ = offices.add_kiosk(db, "P", "Quầy 1")
        yield app, token, volume
        kept = getattr(app.extensions["db_local"], "db", None)
        if kept is not None:
            kept.close()


def test_a_full_disk_answers_503_json_with_retry_after_and_stores_no_part_of_the_batch(full_disk_app):
    app, token, volume = full_disk_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/healthz").status_code == 200
    fill(volume / "filler")
    batch = [rating(score=1 + n % 4, comment="x" * 400) for n in range(300)]  # too big for what is left
    refused = client.post("/api/v1/ratings", json={"ratings": batch}, headers=headers)
    assert refused.status_code == 503
    assert refused.is_json and "disk is full" in refused.json["error"]
    assert refused.headers["Retry-After"] == "30"
    health = client.get("/healthz")
    assert health.status_code == 503 and "full" in health.json["error"]
    database = app.config["DATABASE"]
    assert verify.stored_times(database, [item["id"] for item in batch]) == dict.fromkeys(
        [item["id"] for item in batch], 0)
    assert verify.check_integrity(database) == "ok"

    (volume / "filler").unlink()
    accepted = client.post("/api/v1/ratings", json={"ratings": batch}, headers=headers)
    assert accepted.status_code == 200
    assert {result["status"] for result in accepted.json["results"]} == {"accepted"}
    assert client.get("/healthz").status_code == 200
    assert sum(verify.rollup_differences(database).values()) == 0


def test_other_database_errors_are_still_server_errors(full_disk_app):
    """Only storage trouble is 503: a real bug must not hide behind 'try again later'."""
    app, token, _ = full_disk_app
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/v1/broken-for-test")
    def broken():
        get_db().execute("SELECT * FROM no_such_table")

    response = app.test_client().get("/api/v1/broken-for-test")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_kiosks_through_a_full_disk_and_a_restart_lose_nothing(tmp_path):
    report = scenarios.disk_full(tmp_path, size_mb=16, kiosks=4, rate=4.0, warmup=1.5, full_for=2.0)
    assert report.failures == {}, "\n".join(report.lines())
    assert report.figures["kiosk ratings given"] > 20
