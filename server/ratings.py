"""Taking ratings in: validation, duplicates, the misuse rule, and the rollups' changes
(server.rollups keeps them).

A batch is stored in one write transaction: every accepted rating, its rollup counts
and any misuse flags it causes land together or not at all.

The misuse rule: order a kiosk's ratings by (created_at, id), created_at kept to the
microsecond the kiosk sent. A rating whose nearest
predecessor from the same kiosk is less than MISUSE_INTERVAL_SECONDS (default 3 s) earlier
is flagged `misuse = 1`: faster than a person can walk up and rate. The first tap of a
burst counts, the rest are kept but left out of every figure unless asked for. A kiosk
may also flag a rating itself (`"misuse": true`, from its own cooldown). The rule does not
depend on arrival order: a late rating that lands just before a stored one flags it.

Components hook into ingest without the core naming them (see `Ingest`):
`field_parsers` read extra fields of a kiosk's item into `Rating.extra` (or reject the
item with ItemError naming the field), and `on_rating_stored` hooks run inside the write
transaction that stores new ratings, so what they write lands with the ratings or not
at all, and a duplicate (a re-delivered rating) never reaches them. `on_misuse_flagged`
hooks hear of stored ratings a late-arriving neighbour flagged, in the same transaction.
"""

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app

from server.db import write_transaction
from server.offices import officer_serves
from server.rollups import Rollups
from server.timeutil import from_stored, parse_client_time, to_stored, to_stored_precise, utcnow

OLDEST_ACCEPTED = dt.date(2020, 1, 1)  # a local date: 00:30+07:00 on 1 January 2020 is a 2020 rating
CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_COMMENT = 500
MAX_CODE = 64
STAFF_DROPPED = ("staff: not an officer of this kiosk's office (or unknown); the rating was kept without an "
                 "officer")


@dataclass
class Source:
    """Where ratings come from: set by the server from a kiosk token or an SMS dialogue."""
    channel: str
    office_id: int
    counter_id: int | None = None
    kiosk_id: int | None = None


@dataclass
class Rating:
    client_id: str
    score: int
    created_at: dt.datetime
    reasons: list = field(default_factory=list)
    comment: str | None = None
    language: str | None = None
    staff_code: str | None = None
    service: str | None = None
    reference: str | None = None
    flagged: bool = False
    # What a component's field parser (Ingest.field_parsers) or a channel adds, read by
    # on_rating_stored hooks and never stored in `ratings` by the core. Known key:
    # "contact", a phone number (E.164) the citizen left, with consent, to be answered on.
    extra: dict = field(default_factory=dict)


class StoredRating(NamedTuple):
    """A rating just inserted, as on_rating_stored hooks see it (`rating_ids` gives row ids).

    A named tuple: one is built per stored rating on the ingest path, a dataclass costs more."""
    client_id: str
    channel: str
    office_id: int
    counter_id: int | None
    staff_id: int | None
    score: int
    misuse: int
    local_day: str
    created_at: str
    rating: Rating


class ItemError(ValueError):
    """One rating item is not acceptable; the message names the field."""


def parse_item(item, scale, now, future_tolerance_seconds, timezone=dt.UTC):
    """A Rating from one JSON item, or ItemError (`timezone`: where "before 2020" is judged)."""
    if not isinstance(item, dict):
        raise ItemError("item must be a JSON object")
    client_id = item.get("id")
    if not isinstance(client_id, str):
        raise ItemError("id: must be a UUID string")
    if CANONICAL_UUID.match(client_id):
        client_id = client_id.lower()  # the form kiosks send; uuid.UUID costs 3x as much
    else:
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError:
            raise ItemError("id: must be a UUID string") from None
    score = item.get("score")
    if not isinstance(score, int) or isinstance(score, bool) or score not in scale.scores:
        raise ItemError(f"score: must be an integer from 1 to {scale.size}")
    try:
        created_at = parse_client_time(item.get("created_at"))
    except ValueError as error:
        raise ItemError(f"created_at: {error}") from None
    if created_at > now + dt.timedelta(seconds=future_tolerance_seconds):
        raise ItemError("created_at: is in the future (check the kiosk's clock)")
    if created_at.astimezone(timezone).date() < OLDEST_ACCEPTED:
        raise ItemError("created_at: is before 2020 (check the kiosk's clock)")
    return Rating(
        client_id=client_id,
        score=score,
        created_at=created_at,
        reasons=_reasons(item.get("reasons"), scale),
        comment=_comment(item.get("comment")),
        language=_optional_text(item, "language", 16, LANGUAGE_PATTERN),
        staff_code=_optional_text(item, "staff", MAX_CODE),
        service=_optional_text(item, "service", MAX_CODE),
        flagged=_flag(item.get("misuse")),
    )


def _reasons(value, scale):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ItemError("reasons: must be a list of reason codes")
    unknown = [code for code in value if code not in scale.reason_codes]
    if unknown:
        raise ItemError(f"reasons: unknown reason code {unknown[0][:40]!r}")
    return list(dict.fromkeys(value))


def is_text(value):
    """A string that can be stored: JSON allows lone surrogates, UTF-8 does not."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _comment(value):
    if value is None:
        return None
    if not is_text(value):
        raise ItemError("comment: must be a string of valid Unicode text")
    value = value.replace("\x00", "").strip()
    if len(value) > MAX_COMMENT:
        raise ItemError(f"comment: at most {MAX_COMMENT} characters")
    return value or None


def _optional_text(item, name, limit, pattern=None):
    value = item.get(name)
    if value is None:
        return None
    if not is_text(value) or not value.strip() or len(value) > limit:
        raise ItemError(f"{name}: must be a non-empty string of at most {limit} characters")
    if pattern and not pattern.match(value):
        raise ItemError(f"{name}: must be a language code such as vi or en")
    return value.strip()


def _flag(value):
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ItemError("misuse: must be true or false")
    return value


class Ingest:
    """Stores ratings for one deployment (its scale, time zone and misuse interval)."""

    def __init__(self, scale, timezone, misuse_interval_seconds, future_tolerance_seconds, rollups=None):
        self.scale = scale
        self.rollups = rollups or Rollups()  # the app's (server.rollups): the core's and its components'

        self.timezone = timezone
        self.misuse_interval = dt.timedelta(seconds=misuse_interval_seconds)
        self.future_tolerance = future_tolerance_seconds
        # parser(item) -> dict merged into Rating.extra, or raises ItemError (the item is rejected).
        self.field_parsers = []
        # hook(db, source, [StoredRating], now), called inside the write transaction after new
        # ratings and their rollups are inserted; an exception undoes the whole batch.
        self.on_rating_stored = []
        # hook(db, rating id, extra, now), called inside attach_followup's transaction once a
        # follow-up (reasons, comment, a new score, or `extra` fields) reached a stored rating.
        self.on_followup = []
        # hook(db, [rating id], now), called inside the write transaction when ratings stored
        # earlier are flagged as misuse by a new rating just before them.
        self.on_misuse_flagged = []
        # hook(db, [(rating id, office id, counter id)]), called inside the write transaction
        # when a reorganisation recorded late moves stored ratings to another office or counter.
        self.on_ratings_moved = []

    def store_items(self, db, tree, source, items, now):
        """Validate and store a kiosk batch; one result per item, in order.

        Call inside a write transaction.
        """
        results, ratings = [], []
        for item in items:
            # Only an id that can go back out as UTF-8: JSON's \udXXX escapes can make lone surrogates.
            echo_id = item.get("id") if isinstance(item, dict) and is_text(item.get("id")) else None
            try:
                rating = parse_item(item, self.scale, now, self.future_tolerance, self.timezone)
                for parse in self.field_parsers:
                    rating.extra.update(parse(item))
            except ItemError as error:
                results.append({"id": echo_id, "status": "rejected", "error": str(error)})
                continue
            results.append({"id": echo_id, "status": None, "error": None})
            ratings.append((len(results) - 1, rating))
        # An officer code the server does not know (a kiosk's cached config from before a
        # restore, say), or one of another office, leaves the rating without an officer
        # rather than losing it, and the item's result says so.
        staff_ids = self._staff_ids(db, tree, source, {r.staff_code for _, r in ratings if r.staff_code})
        statuses = self.store(db, tree, source, [r for _, r in ratings], staff_ids, now)
        for (index, rating), status in zip(ratings, statuses, strict=True):
            results[index]["status"] = status
            if status == "accepted" and rating.staff_code and rating.staff_code not in staff_ids:
                results[index]["warning"] = STAFF_DROPPED
        return results

    def store_parsed(self, db, tree, source, ratings, now):
        """Store Ratings another channel parsed (with parse_item) and completed (a dossier
        reference, say); 'accepted' or 'duplicate' for each. An officer code that may not
        be credited here is dropped, as for a kiosk. Call inside a write transaction."""
        staff_ids = self._staff_ids(db, tree, source, {r.staff_code for r in ratings if r.staff_code})
        return self.store(db, tree, source, ratings, staff_ids, now)

    def store(self, db, tree, source, ratings, staff_ids, now):
        """Store parsed ratings; returns 'accepted' or 'duplicate' for each, in order."""
        nearby = None
        if len(ratings) == 1 and source.kiosk_id is not None:
            existing, nearby = self._existing_and_nearby(db, source, ratings[0])
        else:
            existing = self._existing_ids(db, [r.client_id for r in ratings])
        statuses, new = [], []
        for rating in ratings:
            if rating.client_id in existing:
                statuses.append("duplicate")
            else:
                existing.add(rating.client_id)
                statuses.append("accepted")
                new.append(rating)
        if new:
            self._insert(db, tree, source, new, staff_ids, now, nearby)
        return statuses

    def _existing_and_nearby(self, db, source, rating):
        """For one kiosk rating, the common case (a kiosk sends each rating as it is given): in
        one statement, whether it is stored already and the kiosk's stored ratings within the
        misuse interval of it (the rows _misuse_flags would ask for)."""
        low, high = self._misuse_range(rating, rating)
        rows = db.execute(
            """SELECT created_at, client_id, id, misuse FROM ratings
               WHERE kiosk_id = ? AND created_at BETWEEN ? AND ?
               UNION ALL SELECT NULL, client_id, NULL, NULL FROM ratings WHERE client_id = ?""",
            [source.kiosk_id, low, high, rating.client_id],
        ).fetchall()
        return {row[1] for row in rows if row[0] is None}, [row for row in rows if row[0] is not None]

    def _misuse_range(self, first, last):
        """The stored created_at range a cluster of new ratings (first to last) is compared with."""
        return (to_stored_precise(first.created_at - self.misuse_interval),
                to_stored_precise(last.created_at + self.misuse_interval))

    @staticmethod
    def _existing_ids(db, client_ids):
        if not client_ids:
            return set()
        if len(client_ids) == 1:  # an SMS or web rating: the unique index, no JSON to build and walk
            return {row[0] for row in db.execute("SELECT client_id FROM ratings WHERE client_id = ?", client_ids)}
        rows = db.execute(
            "SELECT client_id FROM ratings WHERE client_id IN (SELECT value FROM json_each(?))",
            [json.dumps(client_ids)],
        ).fetchall()
        return {row[0] for row in rows}

    @staticmethod
    def _staff_ids(db, tree, source, codes):
        """{code: staff id} of the codes that name an officer who may be credited at this source."""
        if not codes:
            return {}
        rows = db.execute(
            "SELECT code, id, office_id FROM staff WHERE code IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(codes))],
        ).fetchall()
        return {code: staff_id for code, staff_id, office_id in rows
                if officer_serves(tree, office_id, source.office_id)}

    def _insert(self, db, tree, source, ratings, staff_ids, now, nearby=None):
        received_at = to_stored(now)
        keyed = sorted((to_stored_precise(r.created_at), r.client_id, r) for r in ratings)
        flags = self._misuse_flags(db, source, keyed, now, nearby)
        rows, rollup = [], self.rollups.changes()
        for (created_at, client_id, rating), flagged in zip(keyed, flags, strict=True):
            local_day = rating.created_at.astimezone(self.timezone).date().isoformat()
            # A kiosk carried to another office rates for the office it stood in on that day.
            office_id, counter_id = tree.kiosk_place_on(source.kiosk_id, local_day, source.office_id,
                                                        source.counter_id)
            office_id = tree.successor_on(office_id, local_day)
            staff_id = staff_ids.get(rating.staff_code)
            reasons = json.dumps(rating.reasons) if rating.reasons else None
            misuse = int(flagged or rating.flagged)
            rows.append((client_id, source.channel, office_id, counter_id, staff_id, source.kiosk_id,
                         rating.service, rating.reference, rating.score, reasons, rating.comment, rating.language,
                         created_at, local_day, received_at, misuse))
            rollup.count(office_id, counter_id, staff_id, local_day, source.channel, misuse, rating.score,
                         reasons, +1)
        insert_rows(db, rows)
        rollup.apply(db)
        if self.on_rating_stored:
            self._announce(db, source, keyed, rows, now)

    def _announce(self, db, source, keyed, rows, now):
        """Hand the new ratings to the on_rating_stored hooks (ids are looked up only if a hook asks)."""
        stored = [StoredRating(row[0], row[1], row[2], row[3], row[4], row[8], row[15], row[13],
                               row[12], rating) for (_, _, rating), row in zip(keyed, rows, strict=True)]
        for hook in self.on_rating_stored:
            hook(db, source, stored, now)

    def _misuse_flags(self, db, source, keyed, now, nearby=None):
        """Misuse flags for new ratings (sorted by key), flagging stored ones they crowd.

        One range query per cluster of new ratings (ratings more than an hour apart start a
        new cluster), merged with the new ratings in time order. `nearby`: the stored rows
        of the only cluster's range, when the caller read them already.
        """
        flags = [False] * len(keyed)
        if source.kiosk_id is None:
            return flags
        crowded = []
        for cluster in _clusters(keyed, CLUSTER_GAP):
            if nearby is not None:
                stored = nearby
            else:
                low, high = self._misuse_range(keyed[cluster[0]][2], keyed[cluster[-1]][2])
                stored = db.execute(
                    """SELECT created_at, client_id, id, misuse FROM ratings
                       WHERE kiosk_id = ? AND created_at BETWEEN ? AND ?""",
                    [source.kiosk_id, low, high],
                ).fetchall()
            timeline = sorted([(created, client_id, None, index) for index in cluster
                               for created, client_id, _ in [keyed[index]]]
                              + [(created, client_id, row_id, misuse) for created, client_id, row_id, misuse in stored])
            previous, previous_is_new = None, False
            for created, _, row_id, extra in timeline:
                moment = from_stored(created)
                too_close = previous is not None and moment - previous < self.misuse_interval
                if row_id is None:
                    flags[extra] = too_close
                elif too_close and previous_is_new and extra == 0:
                    crowded.append(row_id)
                previous, previous_is_new = moment, row_id is None
        self._flag_crowded(db, crowded, now)
        return flags

    def _flag_crowded(self, db, rating_ids, now):
        """Flag stored ratings as misuse, move their counts in the rollups, tell the hooks."""
        if not rating_ids:  # the common case: nothing to write
            return
        rollup = self.rollups.changes()
        for rating_id in rating_ids:
            office_id, counter_id, staff_id, day, channel, score, reasons = db.execute(
                """SELECT office_id, counter_id, staff_id, local_day, channel, score, reasons
                   FROM ratings WHERE id = ?""", [rating_id]).fetchone()
            rollup.count(office_id, counter_id, staff_id, day, channel, 0, score, reasons, -1)
            rollup.count(office_id, counter_id, staff_id, day, channel, 1, score, reasons, +1)
            db.execute("UPDATE ratings SET misuse = 1 WHERE id = ?", [rating_id])
        rollup.apply(db)
        for hook in self.on_misuse_flagged:
            hook(db, list(rating_ids), now)


CLUSTER_GAP = dt.timedelta(hours=1)
RATING_COLUMNS = ("client_id", "channel", "office_id", "counter_id", "staff_id", "kiosk_id", "service", "reference",
                  "score", "reasons", "comment", "language", "created_at", "local_day", "received_at", "misuse")
_INSERT = (f"INSERT INTO ratings ({', '.join(RATING_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in RATING_COLUMNS)})")


def insert_rows(db, rows):
    """Insert rating tuples in RATING_COLUMNS order.

    Plain executemany: sqlite-utils' insert_all re-reads the table's columns and converts
    every value on each call, several times the cost of the insert itself on this path.
    """
    db.conn.executemany(_INSERT, rows)


def rating_ids(db, client_ids):
    """{client_id: ratings row id} of stored ratings."""
    return dict(db.execute("SELECT client_id, id FROM ratings WHERE client_id IN (SELECT value FROM json_each(?))",
                           [json.dumps(list(client_ids))]).fetchall())


def _clusters(keyed, gap):
    """Index lists of consecutive sorted ratings less than `gap` apart."""
    clusters = []
    for index, (_, _, rating) in enumerate(keyed):
        if clusters and rating.created_at - keyed[clusters[-1][-1]][2].created_at <= gap:
            clusters[-1].append(index)
        else:
            clusters.append([index])
    return clusters


def attach_followup(db, client_id, reasons=None, comment=None, score=None, extra=None):
    """Put a follow-up's reasons and comment on a stored rating, keeping the rollups right.

    For channels that ask "why?" after the score (SMS, web): `reasons` (codes) replace the
    rating's reasons when given, `comment` replaces its comment when given, and `score`
    its score (a web rating changed within its edit window; the caller checked it is on
    the scale). The rating's old counts are taken out of the rollups and the new ones
    counted, in one transaction. `extra` (fields a component's field parser read, such as a
    contact) goes to the on_followup hooks with the change, in the same transaction.
    Returns False if there is no rating with that client_id. Needs an app context (its rollups).
    """
    columns = ("id", "office_id", "counter_id", "staff_id", "local_day", "channel", "score", "reasons", "misuse")
    with write_transaction(db):
        found = db.execute(f"SELECT {', '.join(columns)} FROM ratings WHERE client_id = ?", [client_id]).fetchone()
        if found is None:
            return False
        row = dict(zip(columns, found, strict=True))
        changes = {}
        if reasons is not None:
            changes["reasons"] = json.dumps(list(dict.fromkeys(reasons))) if reasons else None
        if comment is not None:
            changes["comment"] = _comment(comment)
        if score is not None and score != row["score"]:
            changes["score"] = score
        if not changes and not extra:
            return True
        ingest = current_app.extensions["ingest"]
        if changes:
            rollup = ingest.rollups.changes()
            rollup.add(row, -1)  # without a new score, daily and staff counts net to zero
            rollup.add({**row, **changes}, +1)
            db["ratings"].update(row["id"], changes)
            rollup.apply(db)
        for hook in ingest.on_followup:
            hook(db, row["id"], extra or {}, utcnow())
    return True
