"""Evidence that a kiosk rating was given by no citizen (pure).

A kiosk faces the counter, so the officer can press it. Three marks, each evidence and not
a verdict, for a kiosk rating at a counter whose dossier events the server receives:
- `unmatched`: no dossier was received or returned at that counter in the
  DOSSIER_MATCH_MINUTES before the rating (a citizen rates after being served);
- `outside_hours`: given outside the office's hours;
- `burst`: one of DOSSIER_BURST_RATINGS or more top scores at the counter within
  DOSSIER_BURST_MINUTES.
A rating with any mark is `suspect`; `exclude_suspect=1` leaves those out of the figures.

`distribution_shift` compares a counter's scores in a period with its own previous
periods by Pearson's chi-square test of homogeneity (2 × levels, levels with no rating in
either left out); a p-value below DOSSIER_SHIFT_P_VALUE (default 0.001), with at least
`min_n` ratings on each side, flags the counter.
"""

import bisect
import math
from dataclasses import dataclass


def matched(rating_at, event_times, window):
    """Whether a dossier event (sorted times) happened in [rating_at − window, rating_at]."""
    index = bisect.bisect_right(event_times, rating_at)
    return index > 0 and rating_at - event_times[index - 1] <= window


def bursts(top_times, size, window):
    """The indexes of top-score ratings (sorted times) that are part of a burst."""
    marked = set()
    start = 0
    for end in range(len(top_times)):
        while top_times[end] - top_times[start] > window:
            start += 1
        if end - start + 1 >= size:
            marked.update(range(start, end + 1))
    return marked


@dataclass(frozen=True)
class Shift:
    statistic: float
    dof: int
    p_value: float
    flagged: bool


def distribution_shift(current, previous, threshold, min_n):
    """Chi-square test of {score: n} now against before; None when either side is too small."""
    scores = sorted(s for s in set(current) | set(previous) if current.get(s, 0) + previous.get(s, 0) > 0)
    n_now, n_before = sum(current.get(s, 0) for s in scores), sum(previous.get(s, 0) for s in scores)
    if n_now < min_n or n_before < min_n or len(scores) < 2:
        return None
    total = n_now + n_before
    statistic = 0.0
    for score in scores:
        column = current.get(score, 0) + previous.get(score, 0)
        for observed, row in ((current.get(score, 0), n_now), (previous.get(score, 0), n_before)):
            expected = row * column / total
            statistic += (observed - expected) ** 2 / expected
    dof = len(scores) - 1
    p_value = chi_square_survival(statistic, dof)
    return Shift(round(statistic, 3), dof, p_value, p_value < threshold)


def chi_square_survival(x, dof):
    """P(X ≥ x) for a chi-square variable with `dof` degrees of freedom (closed forms)."""
    if x <= 0:
        return 1.0
    half = x / 2
    if dof % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, dof // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    total = math.erfc(math.sqrt(half))
    term = math.sqrt(x) * math.sqrt(2 / math.pi) * math.exp(-half)
    for i in range(1, (dof - 1) // 2 + 1):
        if i > 1:
            term *= x / (2 * i - 1)
        total += term
    return min(1.0, total)
