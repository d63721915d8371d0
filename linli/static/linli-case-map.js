/* A case's place on a small map: <div id="case-map" data-lat data-lng data-tile-url>. */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) { return; }
  var ll = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = L.map(el, { attributionControl: false }).setView(ll, 17);
  if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 20 }).addTo(map); }
  if (window.linliBase && el.dataset.base) { window.linliBase(map, el.dataset.base, { tiled: !!el.dataset.tileUrl }); }
  L.circleMarker(ll, { radius: 9, color: "#b7282e", fillOpacity: .6 }).addTo(map);
})();
