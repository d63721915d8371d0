/* A Leaflet map to pick a point (cases/_picker.html): fills the form's hidden lat/lng; optional
   "use my location" button. Settings and the messages (translated by the template) come from the
   data- attributes of <div id="picker">, the grids from the json_script #picker-data. */
(function () {
  "use strict";
  var el = document.getElementById("picker");
  var src = document.getElementById("picker-data");
  if (!el || !src || !window.L) { return; }
  var data = JSON.parse(src.textContent);
  var msg = el.dataset;
  var form = el.closest("form");
  var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
  var status = document.getElementById("picker-status");
  var map = L.map(el, { attributionControl: false }).setView(data.center || [40.08, 113.3], 17);
  if (msg.tileUrl) { L.tileLayer(msg.tileUrl, { maxZoom: 20 }).addTo(map); }
  if (window.linliBase && el.dataset.base) { window.linliBase(map, el.dataset.base, { tiled: !!el.dataset.tileUrl }); }
  var shapes = (data.grids || []).map(function (g) {
    return L.geoJSON(g.boundary, { style: { color: "#b7282e", weight: 2, fillOpacity: 0.06 } }).bindTooltip(g.name).addTo(map);
  });
  if (shapes.length) { map.fitBounds(L.featureGroup(shapes).getBounds(), { padding: [10, 10] }); }
  var marker = null;
  function mark(latlng, how) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    lat.value = latlng.lat.toFixed(6); lng.value = latlng.lng.toFixed(6);
    status.textContent = how + " " + lat.value + ", " + lng.value;
    var pointRadio = form.querySelector("input[name=place][value=point]");
    if (pointRadio) { pointRadio.checked = true; pointRadio.dispatchEvent(new Event("change", { bubbles: true })); }
    lat.dispatchEvent(new Event("change", { bubbles: true }));
  }
  if (lat.value && lng.value) { mark(L.latLng(parseFloat(lat.value), parseFloat(lng.value)), msg.msgMarked); }
  map.on("click", function (e) { mark(e.latlng, msg.msgMarked); });
  var geo = document.getElementById("geolocate");
  function locate() {
    if (!navigator.geolocation) { status.textContent = msg.msgNoGeo; return; }
    status.textContent = msg.msgFinding;
    navigator.geolocation.getCurrentPosition(function (p) {
      var ll = L.latLng(p.coords.latitude, p.coords.longitude); map.setView(ll, 18); mark(ll, msg.msgYours);
    }, function () { status.textContent = msg.msgUnavailable; }, { enableHighAccuracy: true, timeout: 8000 });
  }
  if (geo) { geo.addEventListener("click", locate); if (!lat.value) { locate(); } }
  window.linliPicker = { map: map, mark: mark };
})();
