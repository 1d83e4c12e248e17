/* Draws the page's plotly figures (embedded as JSON), links bars to office pages, and
   submits the filter form when a filter changes. No inline scripts: the pages' CSP forbids them. */
(function () {
  "use strict";

  function draw(element) {
    var figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
    var config = {displaylogo: false, responsive: true,
                  modeBarButtonsToRemove: ["select2d", "lasso2d", "zoom2d", "pan2d", "autoScale2d"]};
    if (window.matchMedia("(max-width: 700px)").matches) {
      figure.layout.margin = Object.assign({}, figure.layout.margin, {l: 4, r: 4});
      config.displayModeBar = false;
    }
    return Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.dataset.drawn = "true";
      var link = element.dataset.link;
      if (!link) { return; }
      element.on("plotly_click", function (event) {
        var code = event.points && event.points[0] && event.points[0].customdata && event.points[0].customdata[0];
        if (code) { window.location.href = link.replace("__CODE__", encodeURIComponent(code)); }
      });
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

  document.addEventListener("DOMContentLoaded", function () {
    if (window.Plotly) { document.querySelectorAll(".chart[data-figure]").forEach(draw); }
    document.querySelectorAll("form[data-autosubmit]").forEach(filters);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
