"""Plotly figures from report rows (pure: plain dicts in plotly's JSON form, no Flask).

Each function takes rows as server.stats gives them (or as the dashboards' queries give
them) and returns {"data": [...], "layout": {...}} for Plotly.newPlot. Plain dicts rather
than plotly.graph_objects: validating objects costs milliseconds per trace, and every page
must answer in under 300 ms; the tests check each figure against plotly's schema instead.
`tr` translates the few words a chart carries; `language` picks the scale's labels.

Plotly reads labels, hover text and titles as a little HTML (`<a href>`, `<span style>`,
`<br>`): every text handed to it goes through `escape` first, so an office or officer named
`<a href=...>` is drawn as those characters, not as a link.
"""

import html
import textwrap

from dashboards.labels import percent

SEPARATORS = {"vi": ",.", "en": ".,"}
RATE_COLOUR = "#1f5fa8"
CSAT_COLOUR = "#6a3d9a"
VOLUME_COLOUR = "#c9d3df"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"


def _same(text):
    return text


def _escaped(tr):
    return lambda text: escape(tr(text))


# Offices' official names open with the kind of body; charts keep the distinctive part so
# the bars, not the labels, get the width (tables keep the full names).
NAME_PREFIXES = (("Bộ phận Một cửa ", ""), ("Trung tâm Phục vụ hành chính công ", "TT PVHCC "), ("UBND ", ""))


def short_name(name):
    for prefix, replacement in NAME_PREFIXES:
        if name.startswith(prefix):
            return replacement + name[len(prefix):]
    return name


def escape(text):
    """Text for a plotly label, hover text or title: `<`, `>` and `&` as entities (plotly
    shows them as the characters). Call it on every text a figure carries."""
    return html.escape(str(text), quote=False)


def label(name):
    """An office's or officer's name as a chart label: short and escaped."""
    return escape(short_name(name))


def layout(language, height=360, **extra):
    base = {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "separators": SEPARATORS.get(language, ".,"),
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
    }
    base.update(extra)
    return base


def percent_ticks(values, language):
    """Tick values with their labels written as the page writes percentages (labels.percent:
    `90 %` in Vietnamese, `90%` in English); plotly's own `.0%` would print `90%` everywhere."""
    digits = 0 if all(abs(v * 100 - round(v * 100)) < 1e-9 for v in values) else 1
    return {"tickmode": "array", "tickvals": list(values),
            "ticktext": [percent(v, language, digits=digits) for v in values]}


def _steps(lower, upper=1.0):
    """Round tick values from `lower` (rounded down to the step) up to `upper`, at most ~6."""
    span = upper - lower
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if span / s <= 6) if span <= 1.5 else 0.5
    first = int(lower / step + 1e-9) * step
    count = int(round((upper - first) / step))
    return [round(first + i * step, 4) for i in range(count + 1)]


def _percent_axis(language, title=None, lower=None):
    axis = {"gridcolor": "#e5e5e5", "zeroline": False, "fixedrange": True,
            **percent_ticks(_steps(lower or 0.0), language)}
    if lower is not None:
        axis["range"] = [lower, 1.0]
    if title:
        axis["title"] = {"text": title}
    return axis


def rate_ticks(values):
    """Round percentage ticks for rates: (axis range, tick values), 100 % the top tick."""
    lowest = min([v for v in values if v is not None] or [0.8])
    span = 1.0 - max(0.0, lowest - 0.02)
    step = 0.05 if span <= 0.3 else 0.1 if span <= 0.6 else 0.2
    bottom = max(0.0, int((lowest - 0.02) / step + 1e-9) * step)
    if bottom > lowest - 0.005:
        bottom = max(0.0, bottom - step)
    ticks = [round(bottom + i * step, 4) for i in range(int(round((1.0 - bottom) / step)) + 1)]
    return [ticks[0] - step * 0.15, 1.0 + step * 0.15], ticks


def trend(rows, names, language, tr=_same, target=None, min_n=0):
    """Decision 766 rate with its 95 % band, and CSAT, by period (lines) over the number of
    ratings (bars), against the target.

    `names` maps a period label to how the reader writes it. A row marked `partial` (its
    period cut by the range or not over) is drawn hollow on a dotted line and its bar hatched,
    so a few days are not read as a month; periods with fewer than `min_n` ratings are
    shaded. The lines sit on the overlaying axis (drawn last, so on top of the bars) but on
    the left, where rates are read.
    """
    x = [escape(names[row["period"]]) for row in rows]
    tr = _escaped(tr)
    partial = [bool(row.get("partial")) for row in rows]
    rates = [row["satisfaction_rate"] for row in rows]
    counts = [[row["responses"]] for row in rows]
    hover = "%{x}: %{y:.1%} (n = %{customdata[0]:,})<extra></extra>"
    low = [row["satisfaction_ci95"][0] if row.get("satisfaction_ci95") else None for row in rows]
    high = [row["satisfaction_ci95"][1] if row.get("satisfaction_ci95") else None for row in rows]
    band_low = {"type": "scatter", "mode": "lines", "x": x, "y": low, "yaxis": "y2", "line": {"width": 0},
                "showlegend": False, "hoverinfo": "skip", "name": tr("95 percent interval")}
    band = {"type": "scatter", "mode": "lines", "x": x, "y": high, "yaxis": "y2", "line": {"width": 0},
            "fill": "tonexty", "fillcolor": "rgba(31, 95, 168, 0.15)", "name": tr("95 percent interval"),
            "hoverinfo": "skip"}
    volume = {"type": "bar", "name": tr("Responses"), "x": x, "y": [row["responses"] for row in rows],
              "marker": {"color": VOLUME_COLOUR, "pattern": {"shape": ["/" if p else "" for p in partial],
                                                             "fgcolor": "#8a97a8"}},
              "hovertemplate": "%{x}: %{y:,} " + tr("responses") + "<extra></extra>"}
    whole = {"type": "scatter", "mode": "lines+markers", "name": tr("Satisfaction rate (Decision 766)"), "x": x,
             "y": [None if p else r for p, r in zip(partial, rates, strict=True)], "yaxis": "y2",
             "line": {"color": RATE_COLOUR, "width": 3}, "marker": {"size": 7}, "customdata": counts,
             "hovertemplate": hover}
    near = [p or (i > 0 and partial[i - 1]) or (i + 1 < len(rows) and partial[i + 1]) for i, p in enumerate(partial)]
    cut = {"type": "scatter", "mode": "lines+markers", "name": tr("Incomplete period"), "x": x,
           "y": [r if n else None for n, r in zip(near, rates, strict=True)], "yaxis": "y2",
           "line": {"color": RATE_COLOUR, "width": 2, "dash": "dot"},
           # An open symbol is drawn in the marker's colour with nothing inside.
           "marker": {"size": [11 if p else 0 for p in partial], "symbol": "circle-open", "color": RATE_COLOUR,
                      "line": {"width": 2}},
           "customdata": counts, "hovertemplate": "%{x} (" + tr("incomplete") + "): %{y:.1%} "
                                                  "(n = %{customdata[0]:,})<extra></extra>",
           "showlegend": any(partial), "visible": True if any(partial) else "legendonly"}
    csat = {"type": "scatter", "mode": "lines+markers", "name": "CSAT", "x": x, "y": [row["csat"] for row in rows],
            "yaxis": "y2", "line": {"color": CSAT_COLOUR, "width": 2, "dash": "dash"},
            "marker": {"symbol": ["circle-open" if p else "circle" for p in partial]},
            "customdata": counts, "hovertemplate": hover}
    span, ticks = rate_ticks(low + [row["csat"] for row in rows] + ([target] if target else []))
    shapes = [{"type": "rect", "xref": "x", "yref": "paper", "x0": i - 0.5, "x1": i + 0.5, "y0": 0, "y1": 1,
               "fillcolor": "#9e9e9e", "opacity": 0.18, "line": {"width": 0}, "layer": "below"}
              for i, row in enumerate(rows) if row["responses"] < min_n]
    annotations = []
    if target:
        shapes.append({"type": "line", "xref": "paper", "yref": "y2", "x0": 0, "x1": 1, "y0": target, "y1": target,
                       "line": {"color": "#b2182b", "width": 1.5, "dash": "dash"}})
        annotations.append({"xref": "paper", "yref": "y2", "x": 0, "y": target, "xanchor": "left",
                            "yanchor": "bottom", "showarrow": False, "font": {"color": "#b2182b", "size": 11},
                            "text": tr("Target") + " " + percent(target, language, digits=0)})
    return {"data": [band_low, band, volume, whole, cut, csat], "layout": layout(
        language, shapes=shapes, annotations=annotations,
        xaxis={"type": "category", "fixedrange": True, "automargin": True},
        yaxis={"side": "right", "showgrid": False, "rangemode": "tozero", "fixedrange": True, "tickformat": ",d",
               "title": {"text": tr("Responses")}},
        yaxis2={"gridcolor": "#e5e5e5", "zeroline": False, "fixedrange": True,
                "range": span, **percent_ticks(ticks, language), "overlaying": "y", "side": "left",
                "title": {"text": tr("Satisfaction rate")}},
        margin={"l": 64, "r": 64, "t": 16, "b": 48},
    )}


def trend_notes(rows, min_n, tr=_same):
    """What the trend's special marks mean, for the words under the chart."""
    notes = []
    if any(row.get("partial") for row in rows):
        notes.append(tr("Hollow points on a dotted line, hatched bars: incomplete periods (cut by the range or not "
                        "over yet); they cover only part of the period."))
    if any(row["responses"] < min_n for row in rows):
        notes.append(tr("Grey background: fewer than %(n)s ratings in the period, too few to read a change from.")
                     % {"n": min_n})
    return notes


def level_bars(rows, scale, language, tr=_same, label_key="office_name", link_key="office"):
    """Horizontal bars, one per row, stacked by level as shares; sorted by the Decision 766
    rate, best at the top. `customdata` carries the link key so a click can drill down."""
    ordered = sorted(rows, key=lambda row: (row["satisfaction_rate"] is None, row["satisfaction_rate"] or 0))
    y = [f"{label(row[label_key])} (n={row['responses']:,})".replace(",", "." if language == "vi" else ",")
         for row in ordered]
    data = []
    for level in scale.levels:
        key = str(level.score)
        data.append({
            "type": "bar", "orientation": "h", "name": escape(level.labels.get(language, level.labels["vi"])),
            "y": y, "x": [row["counts"].get(key, 0) / row["responses"] if row["responses"] else 0 for row in ordered],
            "marker": {"color": level.colour},
            "customdata": [[row.get(link_key), row["counts"].get(key, 0)] for row in ordered],
            "hovertemplate": "%{y}<br>" + escape(level.labels.get(language, level.labels["vi"]))
                             + ": %{x:.1%} (%{customdata[1]:,})<extra></extra>",
        })
    height = max(220, 60 + 34 * len(ordered))
    return {"data": data, "layout": layout(
        language, height=height, barmode="stack",
        xaxis=_percent_axis(language), yaxis={"automargin": True, "fixedrange": True, "type": "category"},
        margin={"l": 8, "r": 16, "t": 8, "b": 40}, legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0,
                                                           "traceorder": "normal"},
    )}


def heatmap(rows, names, language, tr=_same):
    """Office x period: colour is the Decision 766 rate, the text its number of ratings."""
    offices = []
    for row in rows:
        if row["office_name"] not in offices:
            offices.append(row["office_name"])
    labels = [label(name) for name in offices]
    periods = sorted({row["period"] for row in rows})
    cell = {(row["office_name"], row["period"]): row for row in rows}
    z = [[cell[(o, p)]["satisfaction_rate"] if (o, p) in cell else None for p in periods] for o in offices]
    n = [[cell[(o, p)]["responses"] if (o, p) in cell else 0 for p in periods] for o in offices]
    text = [["" if v is None else percent(v, language, digits=0) for v in line] for line in z]
    trace = {"type": "heatmap", "x": [escape(names[p]) for p in periods], "y": labels, "z": z, "customdata": n,
             "text": text,
             "zmin": 0.7, "zmax": 1.0, "colorscale": [[0, "#d7301f"], [0.5, "#fee08b"], [1, "#1a9850"]],
             "colorbar": {**percent_ticks([0.7, 0.8, 0.9, 1.0], language), "thickness": 12},
             "hovertemplate": "%{y}<br>%{x}: %{z:.1%} (n = %{customdata:,})<extra></extra>", "xgap": 1, "ygap": 1,
             # Each cell says its rate, so the colours need no guessing (and print in grey).
             "texttemplate": "%{text}", "textfont": {"size": 10}}
    return {"data": [trace], "layout": layout(
        language, height=max(240, 70 + 30 * len(offices)),
        xaxis={"type": "category", "fixedrange": True}, yaxis={"automargin": True, "fixedrange": True,
                                                                "autorange": "reversed"},
        margin={"l": 8, "r": 8, "t": 8, "b": 56},
    )}


def reasons_pareto(reasons, labels, language, tr=_same):
    """Reasons behind poor ratings, most frequent first, with the cumulative share."""
    total = sum(n for _, n in reasons) or 1
    tr = _escaped(tr)
    # Vietnamese reason labels are long: wrap them rather than tilt them.
    x = ["<br>".join(escape(line) for line in textwrap.wrap(labels.get(code, code), 18)) for code, _ in reasons]
    cumulative, running = [], 0
    for _, n in reasons:
        running += n
        cumulative.append(running / total)
    bars = {"type": "bar", "name": tr("Times given"), "x": x, "y": [n for _, n in reasons],
            "marker": {"color": "#d7301f"}, "hovertemplate": "%{x}: %{y:,}<extra></extra>"}
    line = {"type": "scatter", "mode": "lines+markers", "name": tr("Cumulative share"), "x": x, "y": cumulative,
            "yaxis": "y2", "line": {"color": "#333333"}, "hovertemplate": "%{x}: %{y:.0%}<extra></extra>"}
    return {"data": [bars, line], "layout": layout(
        language, height=380,
        xaxis={"type": "category", "automargin": True, "tickangle": 0, "fixedrange": True},
        yaxis={"title": {"text": tr("Times given")}, "tickformat": ",d", "gridcolor": "#e5e5e5", "fixedrange": True},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1.05], "showgrid": False,
                **percent_ticks([0, 0.2, 0.4, 0.6, 0.8, 1.0], language), "fixedrange": True},
        margin={"l": 56, "r": 48, "t": 16, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )}


def ranking(ranked, overall_rate, language, tr=_same):
    """Each ranked entry's rate with its 95 % Wilson interval, best first, and the overall rate."""
    ordered = list(reversed(ranked))
    tr = _escaped(tr)
    y = [f"{item['rank']}. {label(item['name'])}" for item in ordered]
    trace = {
        "type": "scatter", "mode": "markers", "name": tr("Satisfaction rate (Decision 766)"), "y": y,
        "x": [item["satisfaction_rate"] for item in ordered],
        "error_x": {"type": "data", "symmetric": False, "color": "#777777",
                    "array": [item["satisfaction_ci95"][1] - item["satisfaction_rate"] for item in ordered],
                    "arrayminus": [item["satisfaction_rate"] - item["satisfaction_ci95"][0] for item in ordered]},
        "marker": {"size": 10, "color": [{"above": "#1a9850", "below": "#d7301f"}.get(item["versus"], RATE_COLOUR)
                                         for item in ordered]},
        "customdata": [[item["responses"], item["satisfaction_ci95"][0], item["satisfaction_ci95"][1]]
                       for item in ordered],
        "hovertemplate": "%{y}: %{x:.1%} [%{customdata[1]:.1%} – %{customdata[2]:.1%}], n = %{customdata[0]:,}"
                         "<extra></extra>",
    }
    shapes = []
    if overall_rate is not None:
        shapes.append({"type": "line", "x0": overall_rate, "x1": overall_rate, "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": "#333333", "dash": "dash", "width": 1}})
    lows = [item["satisfaction_ci95"][0] for item in ranked] or [0.5]
    return {"data": [trace], "layout": layout(
        language, height=max(220, 70 + 28 * len(ordered)), shapes=shapes, showlegend=False,
        xaxis=_percent_axis(language, lower=max(0.0, round(min(lows) - 0.05, 2))),
        yaxis={"automargin": True, "fixedrange": True, "type": "category"},
        margin={"l": 8, "r": 16, "t": 8, "b": 40},
    )}


FUNNEL_STEPS = ("invited", "sent", "delivered", "replied")


def sms_funnel(funnel, language, tr=_same):
    """Invitations through to replies, as a funnel."""
    tr = _escaped(tr)
    names = {"invited": tr("Invited"), "sent": tr("Sent"), "delivered": tr("Delivered"), "replied": tr("Replied")}
    trace = {"type": "funnel", "y": [names[step] for step in FUNNEL_STEPS],
             "x": [funnel.get(step, 0) for step in FUNNEL_STEPS], "textinfo": "value+percent initial",
             "marker": {"color": ["#9ecae1", "#6baed6", "#3182bd", "#08519c"]}}
    return {"data": [trace], "layout": layout(language, height=300, margin={"l": 8, "r": 8, "t": 8, "b": 8},
                                              yaxis={"automargin": True})}
