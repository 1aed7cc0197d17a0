/* The heatmap map: substations coloured by RAG status, circuits as lines, filters applied in
   the browser, the near search asked of the server, downloads of what is shown. */
(function () {
  "use strict";
  var M = window.gridflexMaps;
  var form = document.getElementById("heatmap-filters");
  var record = document.getElementById("heatmap-record");
  var count = document.getElementById("heatmap-count");
  var map = M.create(document.getElementById("map"));
  var layer = L.featureGroup().addTo(map);
  var nearLayer = L.layerGroup().addTo(map);
  var features = [], shown = [], fitted = false;
  var SIZES = { GSP: 22, BSP: 18, Primary: 14, Secondary: 10 };
  var PROJECT_FIELDS = ["demandConnectedCapacity", "demandContractedCapacity", "demandQuotedCapacity",
    "generationConnectedCapacity", "generationContractedCapacity", "generationQuotedCapacity"];

  function needs() { return form.querySelector("input[name=needs]:checked").value; }
  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"),
      function (box) { return box.value; });
  }
  function rag(p) { return p[needs() + "Constraint"] || null; }
  function headroom(p) { return p[needs() + "AvailableCapacity"]; }
  function ragClass(value) { return value ? value.toLowerCase() : "grey"; }
  function fmt(value, unit) {
    if (value === undefined || value === null) { return "—"; }
    return (typeof value === "number" ? value.toLocaleString(undefined, { maximumFractionDigits: 2 }) : String(value)) + (unit || "");
  }

  function keep(f) {
    var p = f.properties, min = parseFloat(form.headroom.value) || 0, volt = form.voltage.value;
    var isSub = p["class"] === "Substation";
    if (isSub && checked("type").indexOf(p.type) < 0) { return false; }
    var status = rag(p);
    if (status && checked("rag").indexOf(status) < 0) { return false; }
    if (volt && (isSub ? (p.voltages || []) : [p.voltage]).map(String).indexOf(volt) < 0) { return false; }
    if (min > 0 && !(headroom(p) >= min)) { return false; }
    return f.geometry !== null;
  }

  function draw() {
    layer.clearLayers();
    shown = features.filter(keep);
    shown.forEach(function (f) {
      var p = f.properties, item;
      if (p["class"] === "Substation") {
        var size = SIZES[p.type] || 12;
        item = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          icon: L.divIcon({ className: "hm-marker " + ragClass(rag(p)), iconSize: [size, size] }),
          title: p.name + " (" + p.type + "), " + needs() + " headroom " + fmt(headroom(p), " MVA"),
          alt: p.name, keyboard: true, riseOnHover: true
        });
      } else {
        item = L.geoJSON(f, { style: { color: "#354152", weight: 4, opacity: 0.9, dashArray: rag(p) === "Red" ? "6 4" : null } });
        item.bindTooltip(p.name || "circuit");
      }
      item.on("click", function (e) { L.DomEvent.stopPropagation(e); showRecord(p); });
      item.on("keypress", function (e) { if (e.originalEvent.key === "Enter") { showRecord(p); } });
      layer.addLayer(item);
    });
    count.textContent = shown.length + " of " + features.length + " shown.";
    if (!fitted && shown.length) { map.fitBounds(layer.getBounds().pad(0.1)); fitted = true; }
  }

  function row(dl, label, value) {
    dl.appendChild(M.text("dt", label));
    dl.appendChild(M.text("dd", value));
  }

  function showRecord(p) {
    record.textContent = "";
    var title = M.text("h3", p.name + (p.type ? " · " + p.type : " · circuit"));
    record.appendChild(title);
    var dl = document.createElement("dl");
    dl.className = "record";
    row(dl, "Voltages", p.voltages ? p.voltages.join("/") + " kV" : fmt(p.voltage, " kV"));
    ["demand", "generation"].forEach(function (kind) {
      if (p[kind + "Constraint"] === undefined && p[kind + "AvailableCapacity"] === undefined) { return; }
      row(dl, kind + " headroom", fmt(p[kind + "AvailableCapacity"], " MVA") + " (" + (p[kind + "Constraint"] || "—") + ")");
      row(dl, kind + " firm capacity", fmt(p[kind + "FirmCapacity"], " MVA"));
      row(dl, kind + " limited by", fmt(p[kind + "ConstraintLimitingFactor"]));
    });
    row(dl, "Demand max / 99 % / 75 %", [p.demandMaximum, p.demand99Percentile, p.demand75Percentile].map(function (v) { return fmt(v); }).join(" / ") + " MVA");
    row(dl, "Demand 50 % / 25 % / min", [p.demand50Percentile, p.demand25Percentile, p.demandMinimum].map(function (v) { return fmt(v); }).join(" / ") + " MVA");
    if (p.distanceKm !== undefined) { row(dl, "Distance", fmt(p.distanceKm, " km")); }
    if (p.FromSubstation) { row(dl, "From / to", p.FromSubstation + " → " + (p.ToSubstation || []).join(", ")); }
    if (p.area) { row(dl, "Area", p.area); }
    record.appendChild(dl);
    var projects = [].concat(p.Demands || [], p.Generators || [], p.Storage || []);
    if (projects.length) {
      record.appendChild(M.text("h4", "Projects (" + projects.length + ")"));
      var ul = document.createElement("ul");
      projects.slice(0, 30).forEach(function (proj) {
        var figures = PROJECT_FIELDS.filter(function (k) { return proj[k]; }).map(function (k) {
          return k.replace(/Capacity$/, "").replace(/([A-Z])/g, " $1").toLowerCase() + " " + fmt(proj[k], " MVA");
        });
        ul.appendChild(M.text("li", (proj.name || proj.mRID || "project") +
          (proj.technologyType ? " (" + proj.technologyType + ")" : "") + (figures.length ? ": " + figures.join(", ") : "")));
      });
      record.appendChild(ul);
    }
  }

  function near(latlng) {
    var params = new URLSearchParams({
      dataset: form.dataset.value, format: "geojson", near: latlng.lat.toFixed(5) + "," + latlng.lng.toFixed(5),
      radius: form.radius.value || "20", needs: needs(), mva: form.headroom.value || "0"
    });
    nearLayer.clearLayers();
    L.circle(latlng, { radius: (parseFloat(form.radius.value) || 20) * 1000, color: "#0b5cad", weight: 1, fillOpacity: 0.05, interactive: false }).addTo(nearLayer);
    M.json("/ui/heatmap/data?" + params).then(function (answer) {
      var subs = answer.features.filter(function (f) { return f.properties["class"] === "Substation"; });
      record.textContent = "";
      record.appendChild(M.text("h3", subs.length + " substations within " + params.get("radius") + " km with at least " +
        params.get("mva") + " MVA " + needs() + " headroom, nearest first"));
      var ol = document.createElement("ol");
      subs.slice(0, 20).forEach(function (f) {
        var li = document.createElement("li"), p = f.properties;
        var button = M.text("button", p.name, "link");
        button.type = "button";
        button.addEventListener("click", function () { showRecord(p); });
        li.appendChild(button);
        li.appendChild(document.createTextNode(" (" + p.type + "): " + fmt(p.distanceKm, " km") + ", headroom " + fmt(headroom(p), " MVA") + " " + (rag(p) || "")));
        ol.appendChild(li);
      });
      record.appendChild(ol);
    }).catch(function (e) { record.textContent = "The near search failed: " + e.message; });
  }

  function save(name, type, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: type }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  function downloadCsv() {
    var keys = [];
    shown.forEach(function (f) {
      Object.keys(f.properties).forEach(function (k) {
        var v = f.properties[k];
        if (keys.indexOf(k) < 0 && (v === null || typeof v !== "object" || Array.isArray(v) && typeof v[0] !== "object")) { keys.push(k); }
      });
    });
    var quote = function (v) {
      if (v === undefined || v === null) { return ""; }
      var s = Array.isArray(v) ? v.join("/") : String(v);
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    var lines = [["longitude", "latitude"].concat(keys).join(",")];
    shown.forEach(function (f) {
      var c = f.geometry.type === "Point" ? f.geometry.coordinates : ["", ""];
      lines.push([c[0], c[1]].concat(keys.map(function (k) { return quote(f.properties[k]); })).join(","));
    });
    save("heatmap-selection.csv", "text/csv", lines.join("\n") + "\n");
  }

  function load() {
    count.textContent = "Loading …";
    M.json("/ui/heatmap/data?format=geojson&dataset=" + encodeURIComponent(form.dataset.value)).then(function (answer) {
      features = answer.features;
      var volts = {};
      features.forEach(function (f) {
        (f.properties.voltages || [f.properties.voltage]).forEach(function (v) { if (v !== undefined) { volts[v] = true; } });
      });
      var keepVolt = form.voltage.value;
      form.voltage.length = 1;
      Object.keys(volts).sort(function (a, b) { return b - a; }).forEach(function (v) {
        form.voltage.add(new Option(v + " kV", v, false, v === keepVolt));
      });
      fitted = false;
      draw();
    }).catch(function (e) { count.textContent = "The heatmap could not be loaded: " + e.message; });
  }

  form.addEventListener("change", function (e) { if (e.target.name === "dataset") { load(); } else { draw(); } });
  form.addEventListener("submit", function (e) { e.preventDefault(); draw(); });
  map.on("click", function (e) { near(e.latlng); });
  document.getElementById("download-geojson").addEventListener("click", function () {
    save("heatmap-selection.geojson", "application/geo+json", JSON.stringify({ type: "FeatureCollection", features: shown }));
  });
  document.getElementById("download-csv").addEventListener("click", downloadCsv);
  load();
})();
