/* On one's own patrol page: fill the visit form's lat/lng from the phone's location, when it tells. */
(function () {
  "use strict";
  if (!navigator.geolocation) { return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng");
    if (lat) { lat.value = p.coords.latitude.toFixed(6); }
    if (lng) { lng.value = p.coords.longitude.toFixed(6); }
  }, function () {}, { timeout: 5000 });
})();
