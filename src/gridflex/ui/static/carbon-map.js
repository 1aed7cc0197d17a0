/* The carbon map: zones with data filled by their latest intensity; a click opens the zone. */
(function () {
  "use strict";
  var M = window.gridflexMaps;
  var COLOURS = { "0": "#1a9850", "1": "#91cf60", "2": "#d9ef8b", "3": "#fee08b", "4": "#fc8d59", "5": "#d73027", none: "#c9ced6" };
  var map = M.create(document.getElementById("map"));
  map.setView([50, 10], 4);
  M.json("/ui/carbon/zones.geojson").then(function (zones) {
    var layer = L.geoJSON(zones, {
      style: function (f) {
        return { color: "#1b2430", weight: 1, fillColor: COLOURS[f.properties.band], fillOpacity: 0.85 };
      },
      onEachFeature: function (f, item) {
        var p = f.properties;
        item.bindTooltip(p.name + ": " + (p.intensity === null ? "no data" : p.intensity + " gCO₂eq/kWh"), { sticky: true });
        item.on("click", function () { window.location.href = "/ui/carbon/" + encodeURIComponent(p.zone); });
      }
    }).addTo(map);
    if (zones.features.length) { map.fitBounds(layer.getBounds().pad(0.1)); }
  });
})();
