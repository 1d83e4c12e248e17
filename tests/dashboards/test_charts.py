"""Figures are pure functions from rows to plotly figures: checked against plotly's schema
and for what a reader sees (order, labels, sample sizes)."""

import plotly.graph_objects as go

from dashboards import charts
from server.figures import summarise
from server.scale import build_scale

SCALE = build_scale(4)


def row(office, name, counts, period="2026-09", part="subtree"):
    return {"office": office, "office_name": name, "part": part, "period": period,
            **summarise(counts, SCALE)}


ROWS = [row("A", "Xã A", {1: 10, 4: 90}), row("B", "Xã B", {1: 1, 3: 4, 4: 45}),
        row("A", "Xã A", {1: 2, 4: 8}, period="2026-10")]


def valid(figure):
    go.Figure(figure)  # raises on anything plotly does not know
    return figure


def test_office_bars_are_sorted_best_on_top_stacked_by_level_with_n():
    figure = valid(charts.level_bars(ROWS[:2], SCALE, "vi"))
    assert [trace["name"] for trace in figure["data"]] == ["Không hài lòng", "Bình thường", "Hài lòng",
                                                           "Rất hài lòng"]
    # plotly draws the first category at the bottom: the best office comes last
    assert figure["data"][0]["y"] == ["Xã A (n=100)", "Xã B (n=50)"]
    shares = [sum(trace["x"][i] for trace in figure["data"]) for i in range(2)]
    assert [round(s, 6) for s in shares] == [1.0, 1.0]
    assert figure["data"][0]["customdata"][0][0] == "A"  # the drill-down key
    assert figure["layout"]["barmode"] == "stack"


def test_numbers_follow_the_language():
    assert charts.level_bars([row("A", "Xã A", {4: 1234})], SCALE, "vi")["data"][0]["y"] == ["Xã A (n=1.234)"]
    english = charts.level_bars([row("A", "Xã A", {4: 1234})], SCALE, "en")
    assert english["data"][0]["y"] == ["Xã A (n=1,234)"] and english["layout"]["separators"] == ".,"
    assert english["data"][0]["name"] == "Dissatisfied"


def test_the_trend_carries_each_periods_sample_size():
    rows = [row("A", "Xã A", {1: 5, 4: 95}, "2026-09"), row("A", "Xã A", {1: 1, 4: 9}, "2026-10")]
    figure = valid(charts.trend(rows, {"2026-09": "09/2026", "2026-10": "10/2026"}, "vi", lambda s: s))
    _, band, volume, rate, _, csat = figure["data"]
    assert volume["y"] == [100, 10] and rate["x"] == ["09/2026", "10/2026"]
    assert rate["y"] == [0.95, 0.9] and rate["customdata"] == [[100], [10]]
    assert "n = " in rate["hovertemplate"]
    assert band["y"] == [rows[0]["satisfaction_ci95"][1], rows[1]["satisfaction_ci95"][1]] and band["fill"] == "tonexty"


def test_the_rate_axis_has_round_ticks_a_title_and_room_above_the_line():
    rows = [row("A", "Xã A", {1: 21, 4: 79}, "2026-09"), row("A", "Xã A", {1: 4, 4: 96}, "2026-10")]
    figure = valid(charts.trend(rows, {"2026-09": "09/2026", "2026-10": "10/2026"}, "vi", target=0.9))
    axis = figure["layout"]["yaxis2"]
    assert axis["title"]["text"] and axis["tickvals"][-1] == 1.0
    steps = {round(b - a, 4) for a, b in zip(axis["tickvals"], axis["tickvals"][1:], strict=False)}
    assert len(steps) == 1 and steps <= {0.05, 0.1, 0.2} and all(round(v * 100) % 5 == 0 for v in axis["tickvals"])
    highest = max(r["satisfaction_ci95"][1] for r in rows)
    assert axis["range"][0] < min(r["satisfaction_ci95"][0] for r in rows) and axis["range"][1] > highest
    target = [s for s in figure["layout"]["shapes"] if s["type"] == "line"]
    assert target and target[0]["y0"] == 0.9 and "90\u00a0%" in figure["layout"]["annotations"][0]["text"]


def test_partial_periods_are_drawn_hollow_and_apart_and_small_samples_shaded():
    rows = [row("A", "Xã A", {4: 100}, "2026-09"), row("A", "Xã A", {1: 6, 4: 5}, "2026-10")]
    rows[1]["partial"] = True
    figure = valid(charts.trend(rows, {"2026-09": "09/2026", "2026-10": "10/2026"}, "vi", min_n=30))
    whole, cut = figure["data"][3], figure["data"][4]
    assert whole["y"] == [1.0, None] and cut["y"] == [1.0, rows[1]["satisfaction_rate"]]
    assert cut["line"]["dash"] == "dot" and cut["marker"]["symbol"] == "circle-open"
    assert cut["marker"]["size"] == [0, 11] and figure["data"][2]["marker"]["pattern"]["shape"] == ["", "/"]
    shaded = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert [(s["x0"], s["x1"]) for s in shaded] == [(0.5, 1.5)]
    assert len(charts.trend_notes(rows, 30)) == 2 and charts.trend_notes(rows[:1], 30) == []


def test_the_heatmap_has_an_office_per_row_and_a_period_per_column():
    figure = valid(charts.heatmap(ROWS, {"2026-09": "09/2026", "2026-10": "10/2026"}, "vi"))
    trace = figure["data"][0]
    assert trace["y"] == ["Xã A", "Xã B"] and trace["x"] == ["09/2026", "10/2026"]
    assert trace["z"] == [[0.9, 0.8], [0.98, None]] and trace["customdata"] == [[100, 10], [50, 0]]


def test_the_pareto_accumulates_to_the_whole():
    figure = valid(charts.reasons_pareto([("waiting_time", 6), ("fees", 3), ("facilities", 1)],
                                          {"waiting_time": "Thời gian chờ đợi lâu"}, "vi"))
    bars, line = figure["data"]
    assert bars["y"] == [6, 3, 1] and bars["x"][0] == "Thời gian chờ đợi<br>lâu"
    assert line["y"] == [0.6, 0.9, 1.0]


def test_the_ranking_shows_intervals_best_on_top():
    ranked = [{"rank": 1, "name": "A", "responses": 3000, "satisfaction_rate": 0.97,
               "satisfaction_ci95": [0.964, 0.976], "versus": "above"},
              {"rank": 2, "name": "B", "responses": 31, "satisfaction_rate": 1.0, "satisfaction_ci95": [0.89, 1.0],
               "versus": "level"}]
    figure = valid(charts.ranking(ranked, 0.95, "vi"))
    trace = figure["data"][0]
    assert trace["y"] == ["2. B", "1. A"]
    assert [round(v, 4) for v in trace["error_x"]["arrayminus"]] == [0.11, 0.006]
    assert figure["layout"]["shapes"][0]["x0"] == 0.95


def test_the_sms_funnel_runs_from_invited_to_replied():
    funnel = {"invited": 1000, "sent": 990, "delivered": 950, "failed": 40, "replied": 300, "opted_out": 12,
              "segments": 2100}
    trace = valid(charts.sms_funnel(funnel, "vi", lambda s: {"Invited": "Đã mời"}.get(s, s)))["data"][0]
    assert trace["x"] == [1000, 990, 950, 300] and trace["y"][0] == "Đã mời"


# The outside review's finding 7: office and officer names with HTML were drawn as live links
# and styled text. Every text a figure hands plotly is escaped; only hover templates (ours,
# with plotly's %{...} fields) keep their markup.

LINK = '<a href="https://evil.example">Xã A</a>'
STYLED = '<span style="font-size:90px">B & C</span>'
TEMPLATES = {"hovertemplate", "texttemplate"}


def _texts(value, key=None):
    if isinstance(value, dict):
        for name, item in value.items():
            if name not in TEMPLATES and name != "customdata":
                yield from _texts(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)
    elif isinstance(value, str):
        yield value


def _hostile_figures():
    rows = [row("A", LINK, {1: 10, 4: 90}), row("B", STYLED, {4: 50}), row("A", LINK, {4: 8}, period="2026-10")]
    names = {"2026-09": "<b>09</b>", "2026-10": "10/2026"}
    ranked = [{"rank": 1, "name": LINK, "responses": 300, "satisfaction_rate": 0.97,
               "satisfaction_ci95": [0.94, 0.99], "versus": "above"}]
    hostile_words = lambda text: f"<i>{text}</i>"  # noqa: E731 (a translation that carries markup)
    return {
        "trend": charts.trend(rows[:1] + rows[2:], names, "vi", hostile_words, target=0.9),
        "level_bars": charts.level_bars(rows[:2], SCALE, "vi", hostile_words),
        "heatmap": charts.heatmap(rows, names, "vi", hostile_words),
        "reasons": charts.reasons_pareto([("waiting_time", 3)], {"waiting_time": STYLED}, "vi", hostile_words),
        "ranking": charts.ranking(ranked, 0.9, "vi", hostile_words),
        "sms_funnel": charts.sms_funnel({"invited": 3}, "vi", hostile_words),
    }


def test_names_with_html_are_drawn_as_text_in_every_chart_never_as_links_or_styles():
    for name, figure in _hostile_figures().items():
        valid(figure)
        texts = list(_texts(figure))
        markup = [text for text in texts if "<" in text.replace("<br>", "")]
        assert markup == [], name
    bars = charts.level_bars([row("A", LINK, {4: 5})], SCALE, "vi")
    assert bars["data"][0]["y"] == ['&lt;a href="https://evil.example"&gt;Xã A&lt;/a&gt; (n=5)']
    assert charts.escape("B & C <3") == "B &amp; C &lt;3"
