/* Shared map set-up: a Leaflet map whose basemap is the country shapes the server ships
   (works offline), or tiles when the server names a tile URL. */
(function () {
  "use strict";

  function json(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { return r.json().then(function (b) { throw new Error(b.message || r.statusText); }); }
        return r.json();
      });
  }

  function create(el, options) {
    var map = L.map(el, Object.assign({ preferCanvas: false, worldCopyJump: true }, options || {}));
    var tiles = el.dataset.tileUrl;
    if (tiles) {
      L.tileLayer(tiles, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    } else if (!options || !options.noBasemap) {
      json("/ui/basemap.geojson").then(function (shapes) {
        var layer = L.geoJSON(shapes, {
          interactive: false,
          style: { color: "#8a96a8", weight: 1, fillColor: "#f7f4ec", fillOpacity: 1 }
        }).addTo(map);
        layer.bringToBack();
      });
    }
    el.setAttribute("tabindex", "0");
    return map;
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  window.gridflexMaps = { create: create, json: json, text: text };
})();
