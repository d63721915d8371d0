/* linli's own base map, drawn beneath every map so that no map is ever blank (places/basemap.py).
   linliBase(map, url, options) fetches the base layer and draws it in panes below the map's own layers:
   community outlines (a paper-coloured ground), green and water, streets and lanes with their names,
   compound outlines, buildings as small blocks (their numbers shown when zoomed in) and venues.
   With a tile URL configured, the ground is transparent and the rest draws over the tiles.
   Returns a Promise of the Leaflet bounds of what it drew (invalid when nothing). */
(function () {
  "use strict";

  var LABEL_ZOOM = 17;

  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function pane(map, name, z) {
    if (!map.getPane(name)) {
      map.createPane(name);
      map.getPane(name).style.zIndex = String(z);
    }
    return name;
  }

  // a building block of about 14 m × 9 m around its position
  function block(latlng) {
    var dLat = 0.00004, dLng = 0.00008;
    return L.latLngBounds([latlng.lat - dLat, latlng.lng - dLng], [latlng.lat + dLat, latlng.lng + dLng]);
  }

  var STYLE = {
    community: { color: "#b9ad95", weight: 1.5, fillColor: "#f4efe4", fillOpacity: 1, className: "linli-base-community" },
    green: { color: "#9cc59a", weight: 1, fillColor: "#cfe8c6", fillOpacity: 0.9, className: "linli-base-green" },
    water: { color: "#8fb8d8", weight: 1, fillColor: "#bcd8ee", fillOpacity: 0.9, className: "linli-base-water" },
    square: { color: "#d8cdb8", weight: 1, fillColor: "#ebe3d3", fillOpacity: 0.9, className: "linli-base-square" },
    compound: { color: "#a08a6a", weight: 1.2, dashArray: "4 3", fill: false, className: "linli-base-compound" }
  };

  function linliBase(map, url, options) {
    options = options || {};
    var tiled = !!options.tiled;
    var ground = pane(map, "linli-ground", 150);
    var streets = pane(map, "linli-streets", 250);
    var blocks = pane(map, "linli-blocks", 350);
    if (!tiled) { map.getContainer().classList.add("linli-untiled"); }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var labelled = [];
        var layers = L.featureGroup();
        data.features.forEach(function (f) {
          var p = f.properties, layer = null;
          if (p.layer === "community") {
            var st = L.extend({}, STYLE.community, { pane: ground });
            if (tiled) { st.fillOpacity = 0; }
            layer = L.geoJSON(f, { style: st, interactive: false });
          } else if (p.layer === "green" || p.layer === "water" || p.layer === "square") {
            layer = L.geoJSON(f, { style: L.extend({}, STYLE[p.layer], { pane: ground }), interactive: false });
          } else if (p.layer === "street" || p.layer === "lane") {
            var wide = p.layer === "street";
            layer = L.featureGroup([
              L.geoJSON(f, { style: { pane: streets, color: "#c9bfae", weight: wide ? 11 : 6, opacity: 1, lineCap: "round", className: "linli-base-casing" }, interactive: false }),
              L.geoJSON(f, { style: { pane: streets, color: "#ffffff", weight: wide ? 8 : 4, opacity: 1, lineCap: "round", className: "linli-base-" + p.layer }, interactive: false })
            ]);
            if (p.name) {
              var mid = L.geoJSON(f).getBounds().getCenter();
              var tip = L.tooltip({ permanent: true, direction: "center", className: "linli-base-name", pane: "tooltipPane", interactive: false })
                .setLatLng(mid).setContent(esc(p.name));
              layers.addLayer(tip);
            }
          } else if (p.layer === "compound") {
            layer = L.geoJSON(f, { style: L.extend({}, STYLE.compound, { pane: streets }), interactive: false });
            if (p.name) {
              labelled.push(L.tooltip({ permanent: true, direction: "top", className: "linli-base-compound-name", interactive: false })
                .setLatLng(L.geoJSON(f).getBounds().getNorthWest()).setContent(esc(p.name)));
            }
          } else if (p.layer === "building") {
            var ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
            layer = L.rectangle(block(ll), { pane: blocks, color: "#8d8270", weight: 1, fillColor: "#ddd3c2", fillOpacity: 1, interactive: false, className: "linli-base-building" });
            if (p.label) {
              var label = L.tooltip({ permanent: true, direction: "center", className: "linli-base-label", interactive: false })
                .setLatLng(ll).setContent(esc(p.label));
              labelled.push(label);
            }
          } else if (p.layer === "venue") {
            var vl = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
            layer = L.circleMarker(vl, { pane: blocks, radius: 3, color: "#7a5c3e", weight: 1, fillColor: "#f2c48d", fillOpacity: 1, className: "linli-base-venue" });
            if (p.name) { layer.bindTooltip(esc(p.name)); }
          }
          if (layer) { layers.addLayer(layer); }
        });
        layers.addTo(map);
        var labels = L.layerGroup(labelled);
        function toggleLabels() {
          if (map.getZoom() >= LABEL_ZOOM) { labels.addTo(map); } else { labels.remove(); }
        }
        map.on("zoomend", toggleLabels);
        toggleLabels();
        map.getContainer().setAttribute("data-base-count", String(data.features.length));
        return layers.getBounds();
      })
      .catch(function () {
        map.getContainer().setAttribute("data-base-count", "error");
        return L.latLngBounds([]);
      });
  }

  window.linliBase = linliBase;
})();
