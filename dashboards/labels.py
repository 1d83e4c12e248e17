"""Period labels and percentages as a reader writes them, in Vietnamese or English (pure:
Babel only)."""

import functools

from babel import Locale
from babel.dates import format_date
from babel.numbers import parse_pattern

from server import periods


def period_name(period, label, language):
    """`2026-03` -> `03/2026` (vi) or `Mar 2026` (en); likewise for day, week, quarter, year."""
    first = periods.start_of_label(period, label)
    vi = language == "vi"
    if period == "day":
        return f"{first:%d/%m/%Y}" if vi else format_date(first, "d MMM yyyy", locale=language)
    if period == "week":
        year, week = label.split("-W")
        return f"Tuần {int(week)}/{year}" if vi else f"Week {int(week)}, {year}"
    if period == "month":
        return f"{first:%m/%Y}" if vi else format_date(first, "MMM yyyy", locale=language)
    if period == "quarter":
        year, quarter = label.split("-Q")
        return f"Quý {quarter}/{year}" if vi else f"Q{quarter} {year}"
    return label


def percent(value, language, digits=1):
    """0.912 -> `91,2 %` (vi: a no-break space before the sign, as Vietnamese writes it) or
    `91.2%` (en)."""
    text = _number_format(digits, "%").apply(value, _locale(language))
    return text.replace("%", "\u00a0%") if language == "vi" else text


def percent_range(low, high, language, digits=1):
    """An interval as `94,4–94,8 %` (vi) or `94.4–94.8%` (en): one sign for both ends."""
    low_text = _number_format(digits, "").apply(low * 100, _locale(language))
    return f"{low_text}–{percent(high, language, digits)}"


# Babel's format_percent/format_decimal parse the locale and the pattern on every call (a
# by-day heatmap formats ~1,000 cells: 30 ms). Both are kept here once; `apply` is what those
# functions call, with the same defaults, so the text is Babel's own.
@functools.lru_cache(maxsize=16)
def _locale(language):
    return Locale.parse(language)


@functools.lru_cache(maxsize=32)
def _number_format(digits, suffix):
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else "") + suffix)
