/* The public board's map: grid outlines and the reported places, from the page's json_script data. */
(function () {
  "use strict";
  var el = document.getElementById("board-map");
  var src = document.getElementById("board-data");
  if (!el || !src || !window.L) { return; }
  var data = JSON.parse(src.textContent);
  var map = L.map(el, { attributionControl: false }).setView(data.center, 16);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 20 }).addTo(map); }
  if (window.linliBase && el.dataset.base) { window.linliBase(map, el.dataset.base, { tiled: !!el.dataset.tileUrl }); }
  var layers = data.grids.map(function (g) { return L.geoJSON(g.boundary, { style: { color: "#b7282e", weight: 2, fillOpacity: .05 } }).bindTooltip(g.name).addTo(map); });
  data.points.forEach(function (p) { L.circleMarker([p.lat, p.lng], { radius: 8, color: "#1f6feb", fillOpacity: .5 }).bindTooltip(p.label).addTo(map); });
  if (layers.length) { map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [10, 10] }); }
})();
