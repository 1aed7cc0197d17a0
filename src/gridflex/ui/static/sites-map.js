/* The dashboard's map: one marker per site, linking to its page. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var sites = JSON.parse(document.getElementById("sites-data").textContent);
  var map = window.gridflexMaps.create(el, { zoomControl: true });
  var markers = sites.map(function (site) {
    var marker = L.circleMarker([site.lat, site.lon], {
      radius: 9, color: "#12263f", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.85
    });
    var link = document.createElement("a");
    link.href = "/ui/assets/" + site.id;
    link.textContent = site.name;
    marker.bindPopup(link);
    marker.bindTooltip(site.name);
    return marker.addTo(map);
  });
  if (markers.length) {
    map.fitBounds(L.featureGroup(markers).getBounds().pad(0.5), { maxZoom: 6 });
  } else {
    map.setView([50, 10], 4);
  }
})();
