"""A batch of events gives what the same events one request at a time give: the batch path
reads and writes per batch (ids, earlier events, dossiers, contacts, rollups), never per event."""

import datetime as dt
import sqlite3

from tests.dossiers.support import STAFF as OFFICERS
from tests.dossiers.support import event, integration_token, local, make_app, post_events
from tests.dossiers.test_events import DUE, RECEIVED, lifecycle
from tests.support import add_offices, auth


def history():
    """Five dossiers: on time, late, cancelled, a return sent before its receipt, one re-sent event."""
    on_time = lifecycle("HS-1", local(2026, 5, 9, 10, 0))
    late = lifecycle("HS-2", local(2026, 5, 12, 15, 0))
    cancelled = [event("received", "HS-3", RECEIVED, counter="Quầy 1", due_at=DUE),
                 event("cancelled", "HS-3", RECEIVED + dt.timedelta(days=2))]
    early = [event("returned", "HS-4", local(2026, 5, 6, 8, 0), counter="Quầy 2"),
             event("received", "HS-4", RECEIVED, counter="Quầy 1", staff="CB1", due_at=DUE)]
    waiting = [event("due_changed", "HS-5", RECEIVED, due_at=DUE)]  # no `received` yet: kept, not counted
    return [*on_time, *late, *cancelled, *early, *waiting, on_time[0]]


def outcome(database):
    connection = sqlite3.connect(database)
    dossiers = connection.execute("""SELECT code, office_id, counter_id, staff_id, service, received_at,
                                            promised_due_at, due_at, returned_at, returned_counter_id,
                                            returned_staff_id, cancelled_at, status FROM dossiers
                                     ORDER BY code""").fetchall()
    counts = "received + returned + returned_on_time + due + due_on_time + returned_late + apologised"
    daily = connection.execute(f"SELECT * FROM dossier_rollup_daily WHERE {counts} != 0 ORDER BY 1, 2, 3, 4").fetchall()
    monthly = connection.execute(f"SELECT * FROM dossier_rollup_monthly WHERE {counts} != 0 ORDER BY 1, 2").fetchall()
    events = connection.execute("SELECT COUNT(*) FROM dossier_events").fetchone()[0]
    connection.close()
    return dossiers, daily, monthly, events


def ingest(database, batches):
    app = add_offices(make_app(database), staff=OFFICERS)
    headers = auth(integration_token(app))
    client = app.test_client()
    statuses = [result["status"] for batch in batches for result in post_events(client, headers, *batch)]
    return statuses, outcome(database)


def test_one_batch_several_batches_and_one_request_per_event_store_the_same(tmp_path):
    events = history()
    one_batch = ingest(tmp_path / "one.db", [events])
    halves = ingest(tmp_path / "halves.db", [events[:5], events[5:]])
    singly = ingest(tmp_path / "singly.db", [[item] for item in events])
    assert one_batch[0] == halves[0] == singly[0] == ["accepted"] * (len(events) - 1) + ["duplicate"]
    assert one_batch[1] == halves[1] == singly[1]
    dossiers, daily, _, stored = one_batch[1]
    assert [(row[0], row[-1]) for row in dossiers] == [("HS-1", "returned"), ("HS-2", "returned"),
                                                         ("HS-3", "cancelled"), ("HS-4", "returned")]
    assert stored == len(events) - 1 and sum(row[4] for row in daily) == 4  # four received
