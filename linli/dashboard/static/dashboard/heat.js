/* A heat layer for Leaflet, drawn on one canvas over the map (no plugin, no CDN): each case stamps a soft
   grey disc (its alpha adds up where cases crowd), then the alpha is coloured through a blue → green → yellow → red
   ramp. Redrawn after every move or zoom. Usage: var heat = linliHeat({radius: 22}); heat.setLatLngs([[lat, lng], …]);
   heat.addTo(map). */
(function () {
  "use strict";
  if (!window.L) { return; }

  function ramp() {  // 256 colours, index = alpha
    var c = document.createElement("canvas");
    c.width = 1; c.height = 256;
    var ctx = c.getContext("2d"), g = ctx.createLinearGradient(0, 0, 0, 256);
    g.addColorStop(0.25, "#2b6cb0"); g.addColorStop(0.55, "#2f9e44"); g.addColorStop(0.75, "#f2c94c"); g.addColorStop(1, "#d1242f");
    ctx.fillStyle = g; ctx.fillRect(0, 0, 1, 256);
    return ctx.getImageData(0, 0, 1, 256).data;
  }

  function stamp(r, blur) {  // a blurred disc drawn once, copied for every case
    var c = document.createElement("canvas"), d = r + blur;
    c.width = c.height = d * 2;
    var ctx = c.getContext("2d");
    ctx.shadowOffsetX = ctx.shadowOffsetY = d * 2;
    ctx.shadowBlur = blur;
    ctx.shadowColor = "#000";
    ctx.beginPath(); ctx.arc(-d, -d, r, 0, Math.PI * 2, true); ctx.closePath(); ctx.fill();
    return c;
  }

  var Heat = L.Layer.extend({
    initialize: function (options) {
      this._latlngs = [];
      this._radius = (options && options.radius) || 20;
      this._blur = (options && options.blur) || 15;
      this._strength = (options && options.strength) || 0.35;  // alpha one case adds
    },
    setLatLngs: function (latlngs) { this._latlngs = latlngs || []; if (this._map) { this._draw(); } return this; },
    onAdd: function (map) {
      this._map = map;
      this._canvas = L.DomUtil.create("canvas", "ck-heat leaflet-zoom-hide");
      this._canvas.setAttribute("aria-hidden", "true");
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._draw, this);
      this._draw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize", this._draw, this);
      if (this._canvas && this._canvas.parentNode) { this._canvas.parentNode.removeChild(this._canvas); }
      this._canvas = null;
    },
    _draw: function () {
      var map = this._map, canvas = this._canvas;
      if (!map || !canvas) { return; }
      var size = map.getSize();
      canvas.width = size.x; canvas.height = size.y;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      var ctx = canvas.getContext("2d"), r = this._radius + this._blur;
      if (!this._stamp) { this._stamp = stamp(this._radius, this._blur); this._ramp = ramp(); }
      ctx.clearRect(0, 0, size.x, size.y);
      var self = this, drawn = 0;
      this._latlngs.forEach(function (ll) {
        var p = map.latLngToContainerPoint(ll);
        if (p.x < -r || p.y < -r || p.x > size.x + r || p.y > size.y + r) { return; }
        ctx.globalAlpha = self._strength;
        ctx.drawImage(self._stamp, p.x - r, p.y - r);
        drawn += 1;
      });
      canvas.setAttribute("data-drawn", String(drawn));
      if (!drawn) { return; }
      var img = ctx.getImageData(0, 0, size.x, size.y), px = img.data, ramp_ = this._ramp;
      for (var i = 0; i < px.length; i += 4) {
        var a = px[i + 3];
        if (a) { var j = a * 4; px[i] = ramp_[j]; px[i + 1] = ramp_[j + 1]; px[i + 2] = ramp_[j + 2]; px[i + 3] = Math.min(255, 60 + a); }
      }
      ctx.putImageData(img, 0, 0);
    }
  });

  window.linliHeat = function (options) { return new Heat(options); };
})();
