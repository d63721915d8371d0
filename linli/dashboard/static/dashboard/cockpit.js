/* The cockpit's charts (Apache ECharts, vendored) and map (Leaflet + linli's base layer).
   Data comes from the json_script #ck-data; every chart has its table beside it. No inline script (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("ck-data");
  if (!el) { return; }
  var data = JSON.parse(el.textContent);
  var charts = [];

  // on a phone: legends wrap instead of scrolling, month labels shorten (24-10), no label is skipped
  var narrow = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  var legend = narrow ? { type: "plain", top: 0, itemGap: 6, itemWidth: 16, textStyle: { fontSize: 11 } } : { type: "scroll", top: 0 };
  var legendRoom = narrow ? 64 : 40;

  function make(node, option) {
    if (!window.echarts) { return; }
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
    node.setAttribute("data-ready", "1");
  }

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var kind = node.getAttribute("data-chart");
    if (kind === "trend") {
      make(node, {
        tooltip: { trigger: "axis" }, legend: legend, grid: { left: 40, right: 16, top: legendRoom, bottom: 30 },
        xAxis: { type: "category", data: data.trend.months,
                 axisLabel: { interval: 0, formatter: function (v) { return narrow ? String(v).slice(2) : v; } } },
        yAxis: { type: "value", max: 100 },
        series: data.trend.series.map(function (s) { return { name: s.name, type: "line", data: s.data, connectNulls: true }; })
      });
    } else if (kind === "compare") {
      make(node, {
        tooltip: { trigger: "axis" }, legend: legend, grid: { left: 40, right: 10, top: legendRoom, bottom: 60 },
        xAxis: { type: "category", data: data.compare.labels, axisLabel: { rotate: 30 } }, yAxis: { type: "value", max: 100 },
        series: data.compare.series.map(function (s) { return { name: s.name, type: "bar", data: s.data, barMaxWidth: 28 }; })
      });
    } else if (kind === "category") {  // the categories with the most cases (data.category.top, as the monthly PDF); the table lists all
      make(node, {
        tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, top: 10, bottom: 20, containLabel: true },
        yAxis: { type: "category", data: data.category.labels.slice(0, data.category.top).reverse(),
                 axisLabel: { interval: 0, width: narrow ? 80 : 140, overflow: "truncate" } },
        xAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.category.data.slice(0, data.category.top).reverse(), barMaxWidth: 24 }]
      });
    }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  // the map: linli's base layer, cases as points coloured by status or as a heat layer (heat.js)
  var mapEl = document.getElementById("ck-map");
  if (mapEl && window.L) {
    var d = mapEl.dataset;
    var map = L.map(mapEl, { attributionControl: !!d.tileUrl, zoomSnap: 0.25, maxZoom: 20 }).setView([40.08, 113.3], 15);
    if (d.tileUrl) { L.tileLayer(d.tileUrl, { maxZoom: 20 }).addTo(map); }
    if (d.base && window.linliBase) { window.linliBase(map, d.base, { tiled: !!d.tileUrl }); }
    var COLORS = { open: "#1f6feb", overdue: "#d1242f", closed: "#8c959f" };
    var statusSel = document.getElementById("ck-map-status"), catSel = document.getElementById("ck-map-category");
    var countEl = document.getElementById("ck-map-count");
    var markers = [];  // [{marker, latlng, status, category}]
    var layer = L.layerGroup().addTo(map);
    var heat = window.linliHeat ? window.linliHeat({ radius: 18, blur: 14 }) : null;
    var modeInputs = document.querySelectorAll("input[name=ck-map-mode]");
    function mode() {
      var m = "points";
      Array.prototype.forEach.call(modeInputs, function (i) { if (i.checked) { m = i.value; } });
      return heat ? m : "points";
    }
    function applyFilter() {  // cases by state and category, as points or as a heat layer; the count beside
      var st = statusSel ? statusSel.value : "", cat = catSel ? catSel.value : "", shown = [], m = mode();
      layer.clearLayers();
      markers.forEach(function (mk) {
        if ((!st || mk.status === st) && (!cat || mk.category === cat)) { shown.push(mk); }
      });
      if (m === "heat") {
        heat.setLatLngs(shown.map(function (mk) { return mk.latlng; }));
        if (!map.hasLayer(heat)) { heat.addTo(map); }
      } else {
        if (heat && map.hasLayer(heat)) { map.removeLayer(heat); }
        shown.forEach(function (mk) { layer.addLayer(mk.marker); });
      }
      mapEl.setAttribute("data-shown", String(shown.length));
      mapEl.setAttribute("data-mode", m);
      if (countEl) { countEl.textContent = shown.length + " / " + markers.length; }
    }
    if (statusSel) { statusSel.addEventListener("change", applyFilter); }
    if (catSel) { catSel.addEventListener("change", applyFilter); }
    Array.prototype.forEach.call(modeInputs, function (i) { i.addEventListener("change", applyFilter); });
    fetch(d.cases, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (geo) {
        var pts = [], cats = {};
        geo.features.forEach(function (f) {
          var c = f.geometry.coordinates, p = f.properties;
          pts.push([c[1], c[0]]);
          var marker = L.circleMarker([c[1], c[0]], { radius: 5, color: "#fff", weight: 1, fillColor: COLORS[p.status] || "#1f6feb", fillOpacity: 0.9 })
            .bindTooltip(String(p.number || "") + " " + String(p.category || ""));
          markers.push({ marker: marker, latlng: [c[1], c[0]], status: p.status, category: p.category || "" });
          if (p.category) { cats[p.category] = (cats[p.category] || 0) + 1; }
        });
        if (catSel) {
          Object.keys(cats).sort().forEach(function (name) {
            var o = document.createElement("option");
            o.value = name; o.textContent = name + " (" + cats[name] + ")";
            catSel.appendChild(o);
          });
        }
        applyFilter();
        if (pts.length) { map.fitBounds(pts, { maxZoom: 17, padding: [20, 20] }); }
        mapEl.setAttribute("data-case-count", String(geo.features.length));
      })
      .catch(function () { mapEl.setAttribute("data-case-count", "error"); });
  }
})();
