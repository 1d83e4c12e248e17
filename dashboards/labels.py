"""Period labels and percentages as a reader writes them, in Vietnamese or English (pure:
Babel only)."""

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

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
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    text = format_percent(value, pattern, locale=language)
    return text.replace("%", "\u00a0%") if language == "vi" else text


def percent_range(low, high, language, digits=1):
    """An interval as `94,4–94,8 %` (vi) or `94.4–94.8%` (en): one sign for both ends."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return f"{format_decimal(low * 100, pattern, locale=language)}–{percent(high, language, digits)}"
