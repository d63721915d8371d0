/* Where patrols went: <div id="map" data-src data-tile-url data-msg-count>, grid outlines, tracks and stops. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { attributionControl: false }).setView([40.08, 113.3], 15);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 20 }).addTo(map); }
  if (window.linliBase && el.dataset.base) { window.linliBase(map, el.dataset.base, { tiled: !!el.dataset.tileUrl }); }
  function esc(t) { var d = document.createElement("div"); d.textContent = t == null ? "" : String(t); return d.innerHTML; }
  fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layers = [];
    data.grids.forEach(function (g) { layers.push(L.geoJSON(g.boundary, { style: { color: "#b7282e", weight: 2, fillOpacity: 0.05 } }).bindTooltip(esc(g.name)).addTo(map)); });
    data.tracks.forEach(function (t) { if (t.length > 1) { L.polyline(t, { color: "#1f6feb", weight: 3, opacity: 0.6 }).addTo(map); } });
    data.stops.forEach(function (s) {
      layers.push(L.circleMarker([s.lat, s.lng], { radius: 6, color: "#1f6feb", fillColor: "#fff", fillOpacity: 1, weight: 3 })
        .bindPopup("<strong>" + esc(s.place) + "</strong><br>" + esc(s.worker) + " " + esc(s.at)).addTo(map));
    });
    if (layers.length) { var b = L.featureGroup(layers).getBounds(); if (b.isValid()) { map.fitBounds(b, { padding: [16, 16] }); } }
    document.getElementById("map-count").textContent = data.stops.length + " · " + (el.dataset.msgCount || "");
    el.setAttribute("data-loaded", String(data.stops.length));
  });
})();
