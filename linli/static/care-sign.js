// A signature drawn with a finger on the visit form: stored as a PNG data URL in the hidden field (no inline script).
(function () {
  "use strict";
  var c = document.getElementById("care-sign"), field = document.getElementById("id_signature");
  if (!c || !field) return;
  var ctx = c.getContext("2d"), down = false;
  ctx.lineWidth = 2; ctx.lineCap = "round";
  function at(e) { var r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
  c.addEventListener("pointerdown", function (e) { down = true; var p = at(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
  c.addEventListener("pointermove", function (e) { if (!down) return; var p = at(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); });
  window.addEventListener("pointerup", function () { if (down) { down = false; field.value = c.toDataURL("image/png"); } });
})();
