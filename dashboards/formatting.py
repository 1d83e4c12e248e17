"""Numbers, rates and times in the reader's language (Jinja filters over Flask-Babel)."""

import hashlib
import os

import plotly
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext

from dashboards.labels import percent, percent_range, period_name
from server.timeutil import from_stored


def language():
    locale = get_locale()
    return locale.language if locale else "vi"


def rate(value):
    """0.9123 -> `91,2 %` (vi) or `91.2%` (en); missing figures show as a dash."""
    return "–" if value is None else percent(value, language())


def number(value):
    return "–" if value is None else format_decimal(value)


def score(value):
    return "–" if value is None else format_decimal(value, "0.00")


def points(difference):
    """A change of a rate, in percentage points, with its sign."""
    if difference is None:
        return "–"
    difference = round(difference, 3)  # what shows as 0.0 gets no sign
    sign = "+" if difference > 0 else "−" if difference < 0 else "±"
    return f"{sign}{format_decimal(abs(difference) * 100, '0.0')} " + gettext("pts")


def change(current, previous):
    """The relative change of a count, with its sign."""
    if not previous:
        return "–"
    ratio = (current - previous) / previous
    sign = "+" if ratio > 0 else "−" if ratio < 0 else "±"
    return sign + percent(abs(ratio), language(), digits=0)


def signed(difference, pattern="0.00"):
    """A difference with its sign (a true minus), in the reader's digits: `−0,01`."""
    if difference is None:
        return "–"
    shown = format_decimal(abs(difference), pattern)
    if shown == format_decimal(0, pattern):
        return "±" + shown
    return ("+" if difference > 0 else "−") + shown


def interval(ci):
    """A 95 % interval as `94,4–94,8 %` (vi) or `94.4–94.8%` (en)."""
    if not ci:
        return "–"
    return percent_range(ci[0], ci[1], language())


def local_time(stored):
    """A stored UTC time in local time, as the reader writes it."""
    if not stored:
        return "–"
    return format_datetime(from_stored(stored), "dd/MM/yyyy HH:mm")


def day(value):
    return format_date(value, "dd/MM/yyyy")


def ink(colour):
    """Black or white, whichever reads better on a level's colour."""
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return "#111111" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"


def period(label, kind):
    return period_name(kind, label, language())


def asset_version():
    """A short version of the static files (their sizes and times), for cache-busting URLs."""
    folder = os.path.join(os.path.dirname(__file__), "static")
    files = [os.stat(os.path.join(folder, name)) for name in sorted(os.listdir(folder))]
    stamp = ",".join(f"{status.st_mtime_ns}:{status.st_size}" for status in files)
    return hashlib.sha256(stamp.encode()).hexdigest()[:10]


def init_app(app):
    for name, function in {"rate": rate, "number": number, "score": score, "points": points, "interval": interval,
                           "signed": signed,
                           "local_time": local_time, "day": day, "period_name": period}.items():
        app.jinja_env.filters[name] = function
    app.jinja_env.globals.update(change=change, language=language, ink=ink, asset_version=asset_version(),
                                 plotly_version=plotly.__version__,
                                 level_label=lambda level: level.labels.get(language(), level.labels["vi"]),
                                 scale=lambda: current_app.extensions["scale"])
