"""Alert rules, as HappyOrNot's (pure: plain numbers and datetimes in, findings out).

- window: the share of dissatisfied ratings at one office over the last minutes, once
  there are enough of them (>= 50 % in 15 minutes with at least 4 by default);
- rate: an office's Decision 766 rate over the last days under a threshold, with enough
  ratings to mean something;
- silent: a kiosk that has not reported for longer than a limit, counting only office
  hours (a kiosk switched off for the night or the weekend is not silent).
"""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class OfficeHours:
    start: dt.time
    end: dt.time
    days: frozenset  # ISO weekdays, 1 = Monday

    @classmethod
    def parse(cls, hours, days):
        try:
            first, last = (dt.time.fromisoformat(part.strip()) for part in str(hours).split("-"))
        except ValueError:
            raise ValueError(f"OFFICE_HOURS must look like 07:30-17:00, not {hours!r}") from None
        if first >= last:
            raise ValueError("OFFICE_HOURS must end after it starts")
        return cls(first, last, frozenset(int(d) for d in days))

    def open_at(self, local):
        return local.isoweekday() in self.days and self.start <= local.time() < self.end


def office_seconds(since, until, hours, timezone, cap):
    """Seconds of office hours between two aware datetimes, counting at most up to `cap`."""
    if until <= since:
        return 0.0
    total = 0.0
    day = since.astimezone(timezone).date()
    last_day = until.astimezone(timezone).date()
    while day <= last_day and total < cap:
        if day.isoweekday() in hours.days:
            opens = dt.datetime.combine(day, hours.start, tzinfo=timezone)
            closes = dt.datetime.combine(day, hours.end, tzinfo=timezone)
            overlap = (min(closes, until) - max(opens, since)).total_seconds()
            total += max(0.0, overlap)
        day += dt.timedelta(days=1)
    return total


@dataclass(frozen=True)
class Finding:
    rule: str
    office_id: int
    subject: str
    details: dict
    kiosk_id: int | None = None


def window_findings(counts, share, min_ratings, minutes):
    """counts: {office_id: (ratings, dissatisfied)} over the window."""
    found = []
    for office_id, (total, bad) in sorted(counts.items()):
        if total >= min_ratings and bad / total >= share:
            found.append(Finding("window", office_id, f"office:{office_id}",
                                 {"ratings": total, "dissatisfied": bad, "share": round(bad / total, 4),
                                  "minutes": minutes}))
    return found


def rate_findings(figures, threshold, min_ratings, days):
    """figures: {office_id: summarise() result} over the last `days` days."""
    found = []
    for office_id, figure in sorted(figures.items()):
        rate = figure["satisfaction_rate"]
        if figure["responses"] >= min_ratings and rate is not None and rate < threshold:
            found.append(Finding("rate", office_id, f"office:{office_id}",
                                 {"ratings": figure["responses"], "rate": rate, "threshold": threshold,
                                  "days": days, "ci95": figure["satisfaction_ci95"]}))
    return found


def silent_findings(kiosks, now, hours, timezone, limit_minutes):
    """kiosks: dicts with id, office_id, counter and last_seen (aware datetime or None).

    Only while the office is open, and only kiosks that have reported at least once: one
    that never did is not installed yet, and the kiosk page lists it apart.
    """
    if not hours.open_at(now.astimezone(timezone)):
        return []
    limit = limit_minutes * 60
    found = []
    for kiosk in kiosks:
        if kiosk["last_seen"] is None:
            continue
        silent = office_seconds(kiosk["last_seen"], now, hours, timezone, cap=limit + 1)
        if silent > limit:
            found.append(Finding("silent", kiosk["office_id"], f"kiosk:{kiosk['id']}",
                                 {"counter": kiosk["counter"], "last_seen": kiosk["last_seen_text"],
                                  "minutes": limit_minutes}, kiosk_id=kiosk["id"]))
    return found
