"""The percentages a reader sees are Babel's own text, however they are computed."""

import random

from babel.numbers import format_decimal, format_percent

from dashboards.labels import percent, percent_range


def babel_percent(value, language, digits):
    """What `labels.percent` wrote before it kept its locale and pattern (one Babel call each)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    text = format_percent(value, pattern, locale=language)
    return text.replace("%", "\u00a0%") if language == "vi" else text


def babel_range(low, high, language, digits):
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return f"{format_decimal(low * 100, pattern, locale=language)}–{babel_percent(high, language, digits)}"


def values():
    rng = random.Random(12)
    # every rate a heatmap cell or a headline can show (k of n ratings), halves that round
    # either way, the ends, and relative changes above 100 %
    found = [0, 0.0, 1, 1.0, 0.5, 0.00125, 0.00135, 0.0005, 0.0015, 0.9995, 0.99949, 0.12345, 7.3, 123.456]
    found += [k / n for n in (1, 3, 7, 11, 40, 999, 1000, 2001) for k in range(0, n + 1, max(1, n // 97))]
    found += [rng.random() for _ in range(3000)] + [rng.uniform(0, 50) for _ in range(300)]
    return found


def test_percentages_equal_babels_format_percent_for_every_value_language_and_digit_count():
    checked = 0
    for language in ("vi", "en"):
        for digits in (0, 1, 2):
            for value in values():
                assert percent(value, language, digits) == babel_percent(value, language, digits), (value, language)
                checked += 1
    assert checked > 20_000
    assert percent(0.9123, "vi") == "91,2\u00a0%" and percent(0.9123, "en") == "91.2%"
    assert percent(12.345, "en", digits=0) == "1,234%" and percent(12.345, "vi", digits=0) == "1.234\u00a0%"


def test_intervals_equal_babels_text_for_every_pair():
    rng = random.Random(13)
    for language in ("vi", "en"):
        for digits in (0, 1):
            for _ in range(2000):
                low, high = sorted((rng.random(), rng.random()))
                assert percent_range(low, high, language, digits) == babel_range(low, high, language, digits)
    assert percent_range(0.944, 0.948, "vi") == "94,4–94,8\u00a0%"
