"""The demo province on two maps: Đắk Nông until 30 June 2025, the new Lâm Đồng from 1 July 2025.

Until 30 June 2025: the province of Đắk Nông, its provincial service centre, Gia Nghĩa city
and seven districts with their one-stop shops, and under each some communes (xã), wards
(phường) and townships (thị trấn). On 1 July 2025 (Đắk Nông, Lâm Đồng and Bình Thuận became the new Lâm Đồng
province, and the district level was abolished):
- Đắk Nông merges into the new Lâm Đồng province, which has its own service centre in Đà Lạt;
- the former Đắk Nông centre carries on in Gia Nghĩa under Lâm Đồng's centre, as its branch
  for the area (Lâm Đồng kept staff receiving dossiers at the former Đắk Nông headquarters,
  "Khu vực 3"): moved under it and renamed;
- the district one-stop shops close; their kiosks move with their buildings to the new
  commune or ward centre in the district town;
- the old communes, wards and townships merge into new communes and wards directly under
  the province, each with its own one-stop centre.
The changes are recorded through `server.reorganisation`, as an admin would, before the
ratings are generated, so no rating needs moving. Old codes stay valid as historical offices.

Deterministic for a seed and an end date: the same arguments give the same database.
Ratings follow office hours on weekdays, differ by office and officer, include a bad month
at one commune, reasons and a few comments on poor ratings, some SMS ratings and a little
button-mashing (flagged by the same misuse rule as the API).

It writes in bulk, one transaction per day, through the same rollup code as the API, so
10 million ratings take minutes; a test checks the rollup against a scan of the ratings.
"""

import datetime as dt
import json
import math
import multiprocessing
import os
import random
import time

from server import accounts, auth, offices, reorganisation
from server.db import write_transaction
from server.ratings import insert_rows
from server.timeutil import local_today, now_stored

REORGANISATION = dt.date(2025, 7, 1)
PROVINCE = ("DNO", "Tỉnh Đắk Nông", "province")
CENTRE = ("DNO-TTHCC", "Trung tâm Phục vụ hành chính công tỉnh Đắk Nông", "centre")
NEW_PROVINCE = ("LDG", "Tỉnh Lâm Đồng", "province")
NEW_CENTRE = ("LDG-TTHCC", "Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng", "centre")
BRANCH_NAME = "Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng – Khu vực 3 (Gia Nghĩa)"
# (code, name, quality, communes (suffix, name, kind)): quality shifts the citizens' mood, higher is better.
DISTRICTS = [
    ("GN", "Bộ phận Một cửa thành phố Gia Nghĩa", 1.25, [("NT", "phường Nghĩa Trung", "ward"),
                                                         ("NDU", "phường Nghĩa Đức", "ward"),
                                                         ("QT", "phường Quảng Thành", "ward")]),
    ("CJ", "Bộ phận Một cửa huyện Cư Jút", 0.95, [("EL", "thị trấn Ea T'Ling", "township"),
                                                  ("TT", "xã Tâm Thắng", "commune"), ("ND", "xã Nam Dong", "commune")]),
    ("DG", "Bộ phận Một cửa huyện Đắk Glong", 0.4, [("QK", "xã Quảng Khê", "commune"), ("DS", "xã Đắk Som", "commune"),
                                                    ("DP", "xã Đắk Plao", "commune")]),
    ("DM", "Bộ phận Một cửa huyện Đắk Mil", 1.05, [("TT", "thị trấn Đắk Mil", "township"),
                                                   ("DSK", "xã Đắk Sắk", "commune"), ("DL", "xã Đắk Lao", "commune")]),
    ("DR", "Bộ phận Một cửa huyện Đắk R'Lấp", 0.9, [("KD", "thị trấn Kiến Đức", "township"),
                                                    ("NC", "xã Nhân Cơ", "commune"),
                                                    ("KT", "xã Kiến Thành", "commune")]),
    ("DSO", "Bộ phận Một cửa huyện Đắk Song", 0.85, [("DA", "thị trấn Đức An", "township"),
                                                     ("NNJ", "xã Nâm N'Jang", "commune"),
                                                     ("TX", "xã Trường Xuân", "commune")]),
    ("KN", "Bộ phận Một cửa huyện Krông Nô", 0.6, [("DMA", "thị trấn Đắk Mâm", "township"),
                                                    ("NX", "xã Nam Xuân", "commune"),
                                                    ("BC", "xã Buôn Choáh", "commune")]),
    ("TD", "Bộ phận Một cửa huyện Tuy Đức", 0.15, [("DBS", "xã Đắk Búk So", "commune"),
                                                  ("QT", "xã Quảng Tân", "commune"),
                                                  ("DRT", "xã Đắk R'Tíh", "commune")]),
]
# From 1 July 2025: (code, name, kind, old offices merged into it, district whose building it takes).
# The three Gia Nghĩa ward names are those the province proposed; the other names, and which
# old units went where, are illustrative (see README).
NEW_UNITS = [
    ("LDG-NGN", "phường Nam Gia Nghĩa", "ward", ["GN-NT"], "GN"),
    ("LDG-BGN", "phường Bắc Gia Nghĩa", "ward", ["GN-NDU"], None),
    ("LDG-DGN", "phường Đông Gia Nghĩa", "ward", ["GN-QT"], None),
    ("LDG-CJU", "xã Cư Jút", "commune", ["CJ-EL", "CJ-TT"], "CJ"),
    ("LDG-NDO", "xã Nam Dong", "commune", ["CJ-ND"], None),
    ("LDG-QKH", "xã Quảng Khê", "commune", ["DG-QK", "DG-DS"], "DG"),
    ("LDG-DGL", "xã Đắk Glong", "commune", ["DG-DP"], None),
    ("LDG-DMI", "xã Đắk Mil", "commune", ["DM-TT", "DM-DL"], "DM"),
    ("LDG-DSA", "xã Đắk Sắk", "commune", ["DM-DSK"], None),
    ("LDG-KDU", "xã Kiến Đức", "commune", ["DR-KD", "DR-KT"], "DR"),
    ("LDG-NCO", "xã Nhân Cơ", "commune", ["DR-NC"], None),
    ("LDG-DAN", "xã Đức An", "commune", ["DSO-DA", "DSO-NNJ"], "DSO"),
    ("LDG-TXU", "xã Trường Xuân", "commune", ["DSO-TX"], None),
    ("LDG-KNO", "xã Krông Nô", "commune", ["KN-DMA", "KN-BC"], "KN"),
    ("LDG-NDA", "xã Nam Đà", "commune", ["KN-NX"], None),
    ("LDG-TDU", "xã Tuy Đức", "commune", ["TD-DBS", "TD-DRT"], "TD"),
    ("LDG-QTA", "xã Quảng Tân", "commune", ["TD-QT"], None),
]
BAD_MONTH_OFFICE = "LDG-DAN"
BAD_MONTH_SHIFT = -1.3
# (username, role, office): scoped to today's offices, and one to the old province (merged
# away), whom the admin users page flags until an admin re-scopes them.
DEMO_USERS = [("admin", "admin", None), ("tinh", "supervisor", NEW_PROVINCE[0]),
              ("giangia", "supervisor", "LDG-NGN"), ("xem", "viewer", "LDG-DMI"),
              ("dnocu", "supervisor", PROVINCE[0])]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "H'", "Y", "Điểu"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Hữu", "Kim"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hiền", "Hùng", "Lan", "Linh", "Mai", "Nam", "Nga",
         "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến", "Blông", "Hơ Niê"]
SERVICES = ["khai-sinh", "chung-thuc", "dat-dai", "kinh-doanh", "ket-hon", "cu-tru", "xay-dung", "bao-tro-xa-hoi"]
POOR_COMMENTS = [
    "Chờ quá lâu, hơn một tiếng mới đến lượt",
    "Cán bộ hướng dẫn chưa rõ, phải bổ sung giấy tờ nhiều lần",
    "Phải đi lại ba lần mới xong hồ sơ",
    "Trả kết quả trễ hẹn mà không có thư xin lỗi",
    "Phòng chờ nóng, thiếu ghế ngồi",
    "Cán bộ trả lời thiếu nhiệt tình",
    "Waited too long, no queue numbers",
]
GOOD_COMMENTS = ["Cán bộ nhiệt tình, chu đáo", "Nhanh gọn, cảm ơn", "Rất hài lòng với cách phục vụ",
                 "Hướng dẫn tận tình"]
# Reason weights when the service is poor; in the bad month waiting time dominates.
REASON_WEIGHTS = {"waiting_time": 30, "staff_attitude": 12, "staff_competence": 10, "unclear_procedure": 18,
                  "repeat_visits": 14, "late_result": 10, "fees": 3, "facilities": 6}
MORNING, AFTERNOON = (7 * 3600 + 30 * 60, 11 * 3600 + 30 * 60), (13 * 3600 + 30 * 60, 17 * 3600)
SMS_SHARE = 0.08
BULK_INDEX_THRESHOLD = 1_000_000
RATING_INDEXES = """  -- as created by migration m002
    CREATE INDEX IF NOT EXISTS ratings_kiosk_time ON ratings(kiosk_id, created_at, client_id);
    CREATE INDEX IF NOT EXISTS ratings_office_day ON ratings(office_id, local_day);
"""
BURST_CHANCE = 0.01


def seed(db, ingest, days=730, ratings=60000, seed=2025, end=None, progress=print):
    rng = random.Random(seed)
    end = end or (local_today(ingest.timezone) - dt.timedelta(days=1))
    start = end - dt.timedelta(days=days - 1)
    started = time.monotonic()
    with write_transaction(db):
        places = _build_offices(db, rng, start, end)
        _add_demo_users(db)
    reorganisation.reattribute(db)  # nothing stored yet: marks the changes done
    tree = offices.load_tree(db)
    plan = _plan(rng, places, start, end, ratings)
    bad_offices = tree.subtree(tree.by_code[BAD_MONTH_OFFICE].id, "current")
    bad_month = _month_number(end) - 4
    jobs = [(seed, day, counts, BAD_MONTH_SHIFT if _month_number(day) == bad_month else 0.0) for day, counts in plan]
    # Bulk-load settings: the generator's rows are known to be consistent, and a crash
    # mid-seed means seeding a new database again anyway.
    db.conn.execute("PRAGMA cache_size = -400000")
    previous_sync = db.conn.execute("PRAGMA synchronous").fetchone()[0]
    db.conn.execute("PRAGMA synchronous = OFF")
    db.conn.execute("PRAGMA foreign_keys = OFF")
    _CONTEXT.update(places=places, tree=tree, ingest=ingest, bad_offices=bad_offices)
    # Big seeds load faster without the secondary indexes, rebuilt in one sorted pass after.
    rebuild = ratings >= BULK_INDEX_THRESHOLD
    if rebuild:
        db.conn.executescript("DROP INDEX ratings_kiosk_time; DROP INDEX ratings_office_day;")
    written = 0
    try:
        with _generator_pool(ratings) as pool:
            for day, rows in pool.imap(_generate_day, jobs, chunksize=4):
                with write_transaction(db):
                    _insert(db, ingest, rows)
                written += len(rows)
                if day.day == 1 or day == end:
                    progress(f"  {day:%Y-%m}: {written:,} ratings so far")
    finally:
        _CONTEXT.clear()
        if rebuild:
            progress("  rebuilding indexes")
            db.conn.executescript(RATING_INDEXES)
        db.conn.execute(f"PRAGMA synchronous = {previous_sync}")
        db.conn.execute("PRAGMA foreign_keys = ON")
    return (f"Seeded {written:,} ratings from {start} to {end} for {len(tree.by_id)} offices and "
            f"{len(places['kiosks'])} kiosks in {time.monotonic() - started:.1f} s.\n"
            f"Until {REORGANISATION - dt.timedelta(days=1)} the old Đắk Nông, from {REORGANISATION} the new Lâm Đồng.\n"
            f"Demo logins (password 'demo-password'): admin (admin), tinh (supervisor, Lâm Đồng), "
            f"giangia (supervisor, phường Nam Gia Nghĩa), xem (viewer, xã Đắk Mil), "
            f"dnocu (supervisor scoped to the old Đắk Nông, merged away: flagged on /admin/users).")


# What the day generator needs; set before the worker processes fork, so they inherit it.
_CONTEXT = {}


class _InProcess:
    """The pool interface, without processes, for small seeds where forking costs more."""

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return False

    @staticmethod
    def imap(function, jobs, chunksize=1):
        return map(function, jobs)


def _generator_pool(ratings):
    if ratings < 200_000:
        return _InProcess()
    return multiprocessing.get_context("fork").Pool(max(1, min(3, os.cpu_count() or 1)))


def _generate_day(job):
    """One day's ratings from its own generator, so the result does not depend on the pool."""
    seed, day, counts, shift = job
    rng = random.Random(f"{seed}:{day.isoformat()}")
    mood_shift = dict.fromkeys(_CONTEXT["bad_offices"], shift)
    return day, _day_ratings(rng, _CONTEXT["places"], _CONTEXT["tree"], _CONTEXT["ingest"], day, counts, mood_shift)


def _build_offices(db, rng, start, end):
    """Offices on both maps, their counters, officers and kiosks, and the reorganisation of
    1 July 2025; returns what the rating generator needs."""
    places = {"kiosks": [], "sms_offices": [], "quality": {}, "opens": {}, "sms_moves": {}}
    old_from = min(start, REORGANISATION - dt.timedelta(days=1)).isoformat()
    offices.add_office(db, PROVINCE[0], PROVINCE[1], None, PROVINCE[2], old_from)
    centre = offices.add_office(db, CENTRE[0], CENTRE[1], PROVINCE[0], CENTRE[2], old_from)
    places["quality"][centre] = 1.1
    _equip(db, rng, places, centre, CENTRE[0], counters=6, weight=3.0)
    by_code = {}
    for code, name, quality, communes in DISTRICTS:
        district = offices.add_office(db, code, name, PROVINCE[0], "district", old_from)
        places["quality"][district] = by_code[code] = quality
        _equip(db, rng, places, district, code, counters=3, weight=2.0)
        for suffix, commune_name, kind in communes:
            commune_code = f"{code}-{suffix}"
            commune = offices.add_office(db, commune_code, f"UBND {commune_name}", code, kind, old_from)
            places["quality"][commune] = by_code[commune_code] = quality + rng.uniform(-0.35, 0.25)
            _equip(db, rng, places, commune, commune_code, counters=rng.choice([1, 2]), weight=1.0)
    _reorganise(db, rng, places, by_code)
    return places


def _reorganise(db, rng, places, quality):
    """The map of 1 July 2025, recorded as an admin would record it."""
    day, new_from, actor = REORGANISATION, REORGANISATION.isoformat(), "demo"
    offices.add_office(db, NEW_PROVINCE[0], NEW_PROVINCE[1], None, NEW_PROVINCE[2], new_from)
    new_centre = offices.add_office(db, NEW_CENTRE[0], NEW_CENTRE[1], NEW_PROVINCE[0], NEW_CENTRE[2], new_from)
    places["quality"][new_centre] = 1.0
    places["opens"][new_centre] = new_from
    _equip(db, rng, places, new_centre, NEW_CENTRE[0], counters=4, weight=2.0)
    # The old provincial centre carries on as the new centre's branch in Gia Nghĩa.
    reorganisation.move(db, CENTRE[0], NEW_CENTRE[0], day, actor)
    reorganisation.rename(db, CENTRE[0], BRANCH_NAME, day, actor)
    kiosks_at = {}
    for kiosk in places["kiosks"]:
        kiosks_at.setdefault(kiosk["office_id"], []).append(kiosk)
    for code, name, kind, merged, building in NEW_UNITS:
        centre_name = f"Trung tâm Phục vụ hành chính công {name}"
        unit = offices.add_office(db, code, centre_name, NEW_PROVINCE[0], kind, new_from)
        places["opens"][unit] = new_from
        taken = merged + ([building] if building else [])
        places["quality"][unit] = sum(quality[c] for c in taken) / len(taken) + 0.1
        for old in merged:
            reorganisation.merge(db, old, code, day, actor)
        if building:
            district = offices.office_by_code(db, building)
            for number, kiosk in enumerate(kiosks_at[district["id"]], start=1):
                reorganisation.move_kiosk(db, kiosk["id"], code, f"Quầy {number}", day, actor)
            places["sms_moves"][district["id"]] = unit
    reorganisation.merge(db, PROVINCE[0], NEW_PROVINCE[0], day, actor)
    for code, *_ in DISTRICTS:
        reorganisation.close(db, code, day, actor)


def _equip(db, rng, places, office_id, office_code, counters, weight):
    officers = []
    for number in range(1, counters + 1):
        staff_code = f"{office_code}-CB{number:02d}"
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        staff_id = offices.add_staff(db, staff_code, name, office_code, f"Quầy {number}")
        counter_id = offices.ensure_counter(db, office_id, f"Quầy {number}")
        kiosk_id = db["kiosks"].insert({
            "office_id": office_id, "counter_id": counter_id, "created_at": now_stored(),
            "token_hash": auth.token_hash(auth.new_token(auth.KIOSK_PREFIX)),
        }).last_pk
        skill = rng.gauss(0, 0.25)
        officers.append((staff_id, skill))
        places["kiosks"].append({"id": kiosk_id, "office_id": office_id, "counter_id": counter_id,
                                 "staff_id": staff_id, "skill": skill, "weight": weight})
    places["sms_offices"].append((office_id, officers, weight))


def _add_demo_users(db):
    for username, role, code in DEMO_USERS:
        office_id = offices.office_by_code(db, code)["id"] if code else None
        accounts.add_user(db, username, role, office_id, "demo-password")


def _day_weight(day):
    if day.weekday() == 6:
        return 0.0
    if day.weekday() == 5:
        return 0.12
    # Busier before Tết and at the start of the school year.
    return 1.0 + (0.35 if day.month in (1, 12) else 0.0) + (0.2 if day.month in (8, 9) else 0.0)


def _plan(rng, places, start, end, total):
    """Rating counts per (day, source), summing to `total`."""
    sources = [("kiosk", k) for k in places["kiosks"]] + [("sms", s) for s in places["sms_offices"]]
    kiosk_weight = sum(k["weight"] for k in places["kiosks"])
    sms_weight = sum(s[2] for s in places["sms_offices"])
    weights = [(1 - SMS_SHARE) * k["weight"] / kiosk_weight if kind == "kiosk" else SMS_SHARE * k[2] / sms_weight
               for kind, k in sources]
    opens = [places["opens"].get(k["office_id"] if kind == "kiosk" else k[0], "") for kind, k in sources]
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    day_weights = [_day_weight(day) for day in days]
    cells = []
    for day_index, day_weight in enumerate(day_weights):
        day = days[day_index].isoformat()
        for source_index, weight in enumerate(weights):
            if opens[source_index] <= day:  # offices opened on 1 July 2025 rate from then on
                cells.append((day_index, source_index, day_weight * weight))
    scale = total / sum(x for _, _, x in cells)
    cells = [(d, s, scale * x) for d, s, x in cells]
    # Systematic rounding: each cell gets its expected share on average, small cells
    # (a commune's SMS on one day) included, and the counts add up to `total` exactly.
    counts, cumulative, offset = {}, 0.0, rng.random()
    for d, s, x in cells:
        counts[(d, s)] = math.floor(cumulative + x + offset) - math.floor(cumulative + offset)
        cumulative += x
    if cells:  # floating-point drift can leave the sum one off
        biggest = max(cells, key=lambda cell: cell[2])
        counts[biggest[:2]] += total - sum(counts.values())
    plan = []
    for day_index, day in enumerate(days):
        plan.append((day, [(sources[s], counts[(day_index, s)]) for s in range(len(sources))
                           if counts.get((day_index, s))]))
    return plan


def _month_number(day):
    """Months since year 0, to compare months across years."""
    return day.year * 12 + day.month - 1


def _day_ratings(rng, places, tree, ingest, day, counts, mood_shift):
    """One local day's ratings as tuples in RATING_COLUMNS order, sorted by time."""
    scale, rows = ingest.scale, []
    local_day = day.isoformat()
    midnight_ms = int(dt.datetime(day.year, day.month, day.day, tzinfo=ingest.timezone).timestamp() * 1000)
    misuse_ms = ingest.misuse_interval.total_seconds() * 1000
    for (kind, source), count in counts:
        if kind == "kiosk":
            times = _kiosk_times(rng, count)
            staff_id, skill, kiosk_id = source["staff_id"], source["skill"], source["id"]
            # where the kiosk stood that day: it moved with its building on 1 July 2025
            office_id, counter_id = tree.kiosk_place_on(kiosk_id, local_day, source["office_id"],
                                                        source["counter_id"])
        else:
            office_id, officers, _ = source
            if local_day >= REORGANISATION.isoformat():  # texts to a closed district shop go to its successor
                office_id = places["sms_moves"].get(office_id, office_id)
            times = [(ms, False) for ms in sorted(rng.randint(7 * 3600_000, 21 * 3600_000) for _ in range(count))]
            counter_id = kiosk_id = None
        resolved = tree.successor_on(office_id, local_day)
        base_mood = places["quality"][resolved] + mood_shift.get(resolved, 0.0)
        previous = None
        for millis, burst in times:
            if kind == "sms":
                staff_id, skill = rng.choice(officers)
            mood = base_mood + skill
            score = rng.randint(1, scale.size) if burst else _score(rng, mood, scale.size)
            epoch_ms = midnight_ms + millis
            created = _stored(epoch_ms)
            misuse = kiosk_id is not None and previous is not None and millis - previous < misuse_ms
            previous = millis
            reasons, comment = _reasons_and_comment(rng, scale, score, mood)
            rows.append((
                _uuid7(rng, epoch_ms), kind, resolved, counter_id, staff_id, kiosk_id, rng.choice(SERVICES),
                f"{day:%y%m%d}-{rng.randint(1, 99999):05d}" if kind == "sms" else None,
                score, reasons, comment, "en" if rng.random() < 0.03 else "vi",
                created, local_day, created, int(misuse),
            ))
    rows.sort(key=lambda row: row[12])
    return rows


def _kiosk_times(rng, count):
    """Milliseconds after local midnight in office hours, 4 s or more apart, with rare bursts
    of taps a second or so apart (which the misuse rule flags)."""
    times = sorted(rng.randint(*(MORNING if rng.random() < 0.62 else AFTERNOON)) * 1000 for _ in range(count))
    result, last, i = [], -10_000, 0
    while i < len(times):
        last = max(times[i], last + 4000)
        result.append((last, False))
        i += 1
        if rng.random() < BURST_CHANCE and i < len(times):
            taps = min(rng.randint(2, 6), len(times) - i)
            for _ in range(taps):
                last += rng.randint(400, 1600)
                result.append((last, True))
            i += taps
    return result


def _score(rng, mood, levels):
    latent = rng.gauss(mood, 1.0)
    cuts = [-1.0 + 1.7 * i / (levels - 2) for i in range(levels - 1)]
    return 1 + sum(latent >= cut for cut in cuts)


def _reasons_and_comment(rng, scale, score, mood):
    reasons, comment = None, None
    if score in scale.dissatisfied_scores or (score == 2 and rng.random() < 0.3):
        codes = [code for code in REASON_WEIGHTS if code in scale.reason_codes]
        if codes and rng.random() < 0.8:
            weights = [REASON_WEIGHTS[c] * (3 if c == "waiting_time" and mood < 0 else 1) for c in codes]
            picked = {rng.choices(codes, weights)[0] for _ in range(rng.choice([1, 1, 2]))}
            reasons = json.dumps(sorted(picked))
        if rng.random() < 0.08:
            comment = rng.choice(POOR_COMMENTS)
    elif score == scale.size and rng.random() < 0.01:
        comment = rng.choice(GOOD_COMMENTS)
    return reasons, comment


def _stored(epoch_ms):
    """As server.timeutil.to_stored_precise writes a rating's created_at (microseconds)."""
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}000Z"


def _uuid7(rng, epoch_ms):
    """A UUIDv7 (time-ordered, so the unique index grows at its end) from the seeded generator."""
    value = (epoch_ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _insert(db, ingest, rows):
    insert_rows(db, rows)
    rollup = ingest.rollups.changes()
    for row in rows:
        rollup.count(row[2], row[3], row[4], row[13], row[1], row[15], row[8], row[9], +1)
    rollup.apply(db)
