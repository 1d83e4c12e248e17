"""The web channel's retention rules, for `flask --app server purge` (see server/retention.py)."""

from server.db import write_transaction
from web import storage


def purge(app, db, now):
    with write_transaction(db):
        hits, links = storage.purge(db, now)
    return [
        ("web_address_hashes", "web address hashes older than a day", hits),
        ("web_links", "rating links past their end (with their dossier references)", links),
    ]
