"""Period labels as a reader writes them, in Vietnamese or English (pure: Babel only)."""

from babel.dates import format_date

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
