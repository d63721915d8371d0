/* The grid map: grid polygons coloured by grid, micro-grids dashed, buildings as markers.
   Reads its settings from data- attributes; a blank base layer when no tile URL is configured. */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // grids without a stored colour get one from this palette, by id, so neighbours differ
  var PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#469990", "#800000"];
  function gridColor(color, id) {
    return color || PALETTE[(id || 0) % PALETTE.length];
  }

  function link(template, id, text) {
    return '<a href="' + template.replace("/0/", "/" + id + "/") + '">' + escapeHtml(text) + "</a>";
  }

  // the cases layer: open (blue), overdue (red), closed in the last 90 days (grey), each a toggle
  var CASE_COLORS = { open: "#1f6feb", overdue: "#d1242f", closed: "#8c959f" };
  function addCases(map, d, focus) {
    var url = d.cases + (focus ? "?grid=" + focus : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var groups = { open: L.layerGroup(), overdue: L.layerGroup(), closed: L.layerGroup() };
        data.features.forEach(function (f) {
          var p = f.properties, c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], { radius: 6, color: "#fff", weight: 1.5, fillColor: CASE_COLORS[p.status], fillOpacity: 0.95,
            className: "linli-case linli-case-" + p.status })
            .bindPopup(link(d.caseUrl, p.id, p.number) + "<br>" + escapeHtml(p.title) + "<br>" + escapeHtml(p.category))
            .addTo(groups[p.status]);
        });
        groups.open.addTo(map);
        groups.overdue.addTo(map);
        var labels = JSON.parse(d.caseLabels || "{}"), overlays = {};
        ["open", "overdue", "closed"].forEach(function (k) {
          overlays['<span style="color:' + CASE_COLORS[k] + '">●</span> ' + escapeHtml(labels[k] || k) + " (" + groups[k].getLayers().length + ")"] = groups[k];
        });
        L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
        map.getContainer().setAttribute("data-case-count", String(data.features.length));
      })
      .catch(function () { map.getContainer().setAttribute("data-case-count", "error"); });
  }

  function init(el) {
    var d = el.dataset;
    var map = L.map(el, { attributionControl: !!d.tileUrl, zoomSnap: 0.25, maxZoom: 20 });
    if (d.tileUrl) {
      L.tileLayer(d.tileUrl, { maxZoom: 20, attribution: d.tileAttribution || "" }).addTo(map);
    }
    map.setView([40.08, 113.3], 15);
    if (d.base && window.linliBase) { window.linliBase(map, d.base, { tiled: !!d.tileUrl }); }
    var focus = d.focus ? parseInt(d.focus, 10) : null;

    fetch(d.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var features = data.grids.features.slice();
        // top-level grids first, micro-grids drawn over them
        features.sort(function (a, b) {
          return (a.properties.kind === "micro") - (b.properties.kind === "micro");
        });
        var focused = null;
        var grids = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: function (f) {
            var p = f.properties, c = gridColor(p.color, p.kind === "micro" ? p.parent : p.id), micro = p.kind === "micro";
            var isFocus = focus && p.id === focus;
            return {
              color: c, weight: isFocus ? 4 : (micro ? 1.5 : 2.5), dashArray: micro ? "6 5" : null,
              fillColor: c, fillOpacity: micro ? 0.06 : (p.kind === "dedicated" ? 0.3 : 0.2), opacity: 0.9
            };
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindPopup("<strong>" + link(d.gridUrl, p.id, p.name) + "</strong><br>" + escapeHtml(p.code) +
              "<br>" + escapeHtml(p.community));
            if (p.kind !== "micro") {
              layer.bindTooltip(escapeHtml(p.name), { permanent: true, direction: "center", className: "grid-label" });
            }
            if (focus && p.id === focus) { focused = layer; }
          }
        }).addTo(map);
        var buildings = L.geoJSON(data.buildings, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {
              radius: 5, color: "#333", weight: 1, fillColor: gridColor(f.properties.color, f.properties.grid), fillOpacity: 0.95
            });
          },
          onEachFeature: function (f, layer) {
            layer.bindPopup(link(d.buildingUrl, f.properties.id, f.properties.name));
          }
        }).addTo(map);
        var bounds = focused ? focused.getBounds() : grids.getBounds();
        if (!focused && buildings.getLayers().length) { bounds = bounds.isValid() ? bounds.extend(buildings.getBounds()) : buildings.getBounds(); }
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16] }); }
        if (d.cases) { addCases(map, d, focus); }
        el.setAttribute("data-loaded", String(data.grids.features.length));
        el.setAttribute("data-buildings", String(data.buildings.features.length));
      })
      .catch(function () {
        el.setAttribute("data-loaded", "error");
      });
  }

  document.querySelectorAll("[data-linli-map]").forEach(init);
})();
