/* Draws the page's plotly figures (embedded as JSON), links bars to office pages, and
   submits the filter form when a filter changes. No inline scripts: the pages' CSP forbids them. */
(function () {
  "use strict";

  // On a phone, long office names beside horizontal bars leave the bars no room: write
  // each name above its bar instead, and give the bars the full width.
  function labelsAboveBars(figure) {
    var names = figure.data[0].y, layout = figure.layout;
    var top = 56, bottom = 36, row = 46, gap = 0.5;
    layout.yaxis = Object.assign({}, layout.yaxis, {showticklabels: false});
    layout.margin = Object.assign({}, layout.margin, {l: 4, r: 8, t: top, b: bottom});
    layout.height = top + bottom + row * names.length;
    layout.bargap = gap;
    // The name sits just above its bar, however many bars there are: half a bar's
    // thickness up from the bar's centre line, plus a little air.
    var shift = Math.round(row * (1 - gap) / 2) + 1;
    layout.annotations = names.map(function (name) {
      return {x: 0, xref: "paper", xanchor: "left", y: name, yanchor: "bottom", yshift: shift, text: name,
              showarrow: false, font: {size: 11}};
    });
  }

  // An office x period heatmap is too wide for a phone: periods go down the side, offices
  // across, each cell writes its rate as a whole number (the colour bar says it is a %).
  function heatmapStanding(figure) {
    var cells = figure.data[0];
    function transpose(rows) {
      return (rows[0] || []).map(function (_, column) { return rows.map(function (row) { return row[column]; }); });
    }
    figure.data = [Object.assign({}, cells, {
      x: cells.y, y: cells.x, z: transpose(cells.z), customdata: transpose(cells.customdata),
      text: transpose(cells.text || []), texttemplate: "%{text}", textfont: {size: 9},
      hovertemplate: "%{x}<br>%{y}: %{z:.1%} (n = %{customdata:,})<extra></extra>",
      colorbar: Object.assign({}, cells.colorbar, {orientation: "h", y: -0.12, yanchor: "top", thickness: 10})})];
    figure.layout.xaxis = {type: "category", fixedrange: true, tickangle: -60, automargin: true, side: "top"};
    figure.layout.yaxis = {type: "category", fixedrange: true, automargin: true, autorange: "reversed"};
    figure.layout.height = 190 + 22 * cells.x.length;
    figure.layout.margin = {l: 4, r: 4, t: 8, b: 40};
  }

  // A Pareto's long reason names cannot stand side by side on a phone: lay the bars down
  // (most frequent on top), each name above its bar, and leave out the cumulative line.
  function paretoLaidDown(figure) {
    var bars = figure.data[0];
    var names = bars.x.map(function (name) { return name.replace(/<br>/g, " "); });
    figure.data = [{type: "bar", orientation: "h", name: bars.name, y: names, x: bars.y, marker: bars.marker,
                    hovertemplate: "%{y}: %{x:,}<extra></extra>"}];
    figure.layout.xaxis = {tickformat: ",d", gridcolor: "#e5e5e5", fixedrange: true};
    figure.layout.yaxis = {type: "category", autorange: "reversed", fixedrange: true};
    delete figure.layout.yaxis2;
    figure.layout.showlegend = false;
    figure.layout.height = 60 + 34 * names.length;
  }

  var PHONE = window.matchMedia("(max-width: 700px)");

  // Government figures stay on this server: the toolbar keeps only "download as PNG" (no
  // "Share chart" upload to Plotly's cloud, no links out), in the page's language.
  function chartConfig(element) {
    var vietnamese = document.documentElement.lang === "vi";
    return {displaylogo: false, responsive: true, showSendToCloud: false, showLink: false,
            showEditInChartStudio: false, showSources: false, plotlyServerURL: "", sendData: false,
            modeBarButtons: [["toImage"]], displayModeBar: !PHONE.matches,
            locale: vietnamese ? "vi" : "en",
            toImageButtonOptions: {format: "png", scale: 2, filename: (element.id || "chart").replace("chart-", "")}};
  }

  function figureFor(element) {
    var figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
    if (PHONE.matches) {
      if (element.dataset.phone === "laid-down") { paretoLaidDown(figure); }
      if (figure.data.length && figure.data[0].type === "heatmap") { heatmapStanding(figure); }
      if (figure.data.length && figure.data[0].orientation === "h") { labelsAboveBars(figure); }
      // Rotated period labels need the room below the plot: the legend goes on top.
      figure.layout.legend = Object.assign({}, figure.layout.legend, {y: 1.02, yanchor: "bottom"});
      figure.layout.font = Object.assign({}, figure.layout.font, {size: 11});
      figure.layout.margin = Object.assign({}, figure.layout.margin, {l: Math.min(figure.layout.margin.l || 40, 48),
                                                                       r: Math.min(figure.layout.margin.r || 16, 40)});
    }
    return figure;
  }

  function draw(element) {
    var figure = figureFor(element);
    return Plotly.react(element, figure.data, figure.layout, chartConfig(element)).then(function () {
      element.dataset.drawn = "true";
      element.dataset.layout = PHONE.matches ? "phone" : "wide";
      var link = element.dataset.link;
      if (!link || element.dataset.linked) { return; }
      element.dataset.linked = "true";
      element.on("plotly_click", function (event) {
        var code = event.points && event.points[0] && event.points[0].customdata && event.points[0].customdata[0];
        if (code) { window.location.href = link.replace("__CODE__", encodeURIComponent(code)); }
      });
    });
  }

  // Tables keep their numbers: a wide table scrolls inside its own box, and says so.
  function scrollHints() {
    var hint = document.body.dataset.scrollHint;
    document.querySelectorAll("table.data").forEach(function (table) {
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      var wide = box.scrollWidth > box.clientWidth + 2;
      box.classList.toggle("overflowing", wide);
      if (wide && hint) { box.dataset.hint = hint; }
    });
  }

  function filters(form) {
    var preset = form.querySelector("select[name=preset]");
    function showDates() {
      form.querySelectorAll(".custom-dates").forEach(function (label) {
        label.hidden = preset && preset.value !== "custom";
      });
    }
    if (preset) { showDates(); preset.addEventListener("change", showDates); }
    // Dates outside a custom range would override the preset: send them only when custom.
    function send() {
      if (preset && preset.value !== "custom") {
        form.querySelectorAll(".custom-dates input").forEach(function (input) { input.disabled = true; });
      }
    }
    form.addEventListener("submit", send);
    form.addEventListener("change", function (event) {
      if (event.target.name === "preset" && event.target.value === "custom") { return; }
      if (event.target.type === "date" || event.target.type === "search") { return; }
      send();
      form.submit();
    });
  }

  function drawAll() {
    if (window.Plotly) { document.querySelectorAll(".chart[data-figure]").forEach(draw); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    scrollHints();
    // Turning a phone or resizing a window across the phone width lays the charts out again.
    PHONE.addEventListener("change", drawAll);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(scrollHints, 150);
    });
    document.querySelectorAll("form[data-autosubmit]").forEach(filters);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
