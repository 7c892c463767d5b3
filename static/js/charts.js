/* Draw every figure the server built. plotly.js and its zh-CN locale are loaded
   before this file from our own static files; nothing comes from the internet. */
(function () {
  "use strict";
  Plotly.setPlotConfig({
    locale: "zh-CN",
    displaylogo: false,
    showSendToCloud: false,
    showEditInChartStudio: false,
    plotlyServerURL: "",
    responsive: true,
  });
  var phone = window.matchMedia("(max-width: 640px)");
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    // On a phone the toolbar would cover the first bars and a finger zooms by
    // accident: no toolbar. Elsewhere two buttons, shown on hover and on focus
    // (site.css), so that a keyboard user never tabs into invisible controls.
    var config = el.hasAttribute("data-static")
      ? { staticPlot: true }
      : phone.matches
        ? { displayModeBar: false }
        : { modeBarButtons: [["toImage", "resetScale2d"]] };
    var short = spec.layout.meta && spec.layout.meta.short_labels;
    if (short && el.clientWidth < 560) {
      spec.layout.yaxis = Object.assign({}, spec.layout.yaxis, {
        tickmode: "array", tickvals: spec.data[0].y, ticktext: short,
      });
    }
    Plotly.newPlot(el, spec.data, spec.layout, config);
  });
})();
