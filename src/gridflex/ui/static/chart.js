/* Draws every element with a data-spec-url: fetches the Vega-Lite spec (with data) and embeds it.
   Expressions are interpreted (ast: true), not compiled to code, so the page's CSP needs no eval. */
(function () {
  "use strict";

  function status(el, text) {
    var node = document.getElementById(el.id + "-status");
    if (node) { node.textContent = text; }
  }

  function fit(spec, width) {
    var inner = Math.max(240, width - 110);
    (spec.vconcat || [spec]).forEach(function (panel) { panel.width = inner; });
    if (spec.vconcat) { return spec; }
    spec.width = Math.max(200, width - 90);
    return spec;
  }

  function load(el) {
    if (el.dataset.specJson) {  // a spec in the page, in a JSON data block
      return Promise.resolve(JSON.parse(document.getElementById(el.dataset.specJson).textContent));
    }
    return fetch(el.dataset.specUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.message || response.statusText); }
          return body;
        });
      });
  }

  function draw(el) {
    status(el, "Loading the chart …");
    load(el)
      .then(function (spec) {
        var records = (spec.usermeta || {}).records;
        return window.vegaEmbed(el, fit(spec, el.clientWidth), {
          actions: false, ast: true, renderer: "svg", defaultStyle: false,
          tooltip: { disableDefaultStyle: true }
        }).then(function () {
          status(el, records === 0 ? "No data in this period." :
            (records === undefined ? "" : records + " values shown."));
          el.dispatchEvent(new CustomEvent("chart:drawn", { bubbles: true }));
        });
      })
      .catch(function (error) { status(el, "The chart could not be drawn: " + error.message); });
  }

  function drawAll() {
    var charts = document.querySelectorAll("[data-spec-url], [data-spec-json]");
    if (!charts.length) { return; }
    if (window.vegaEmbed) { charts.forEach(draw); return; }
    // The chart library (~0.9 MB) loads after the page has painted, not before.
    var script = document.createElement("script");
    script.src = "/ui/vega-embed.js";
    script.addEventListener("load", function () { charts.forEach(draw); });
    script.addEventListener("error", function () {
      charts.forEach(function (el) { status(el, "The chart library could not be loaded."); });
    });
    document.head.appendChild(script);
  }

  window.gridflexCharts = { draw: draw, drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else { drawAll(); }
})();
