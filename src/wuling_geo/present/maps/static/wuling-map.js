(function () {
  "use strict";
  var KIND = /^[a-z0-9-]{1,40}$/, COLOUR = /^#[0-9a-fA-F]{6}$/;
  var SIZES = {"scenic-5a": 32, "scenic-4a": 28, "scenic": 22, "scenic-part": 18, "civic": 16, "stop": 24};
  /* The zoom from which a place's name is shown beside its symbol (stops: always). */
  var LABEL_ZOOM = {"scenic-5a": 10, "scenic-4a": 10, "transport": 10, "stop": 0, "scenic": 11,
                    "logistics": 11, "industry": 12, "civic": 13, "scenic-part": 12};
  /* Towns are named from zoom 13, where their pins stop clustering (30 seats, some 500 m apart). */
  var LABEL_STEPS = [10, 11, 12, 13];
  var WG = window.WG = {markers: {}, clusters: [], text: {}, shift: null};

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  }
  function kind(k) { return KIND.test(String(k || "")) ? String(k) : "other"; }
  WG.el = el;
  WG.small = function () { return !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches); };

  WG.popupContent = function (p) {
    var box = el("div", "wg-popup");
    box.appendChild(el("div", "wg-popup-title", p.title || ""));
    if (p.subtitle) box.appendChild(el("div", "wg-popup-subtitle", p.subtitle));
    if (p.rows && p.rows.length) {
      var table = el("table", "wg-rows");
      p.rows.forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("th", null, r[0]));
        tr.appendChild(el("td", null, r[1]));
        table.appendChild(tr);
      });
      box.appendChild(table);
    }
    if (p.facts && p.facts.length) {
      box.appendChild(el("div", "wg-popup-head", WG.text.facts));
      var list = el("ul", "wg-facts");
      p.facts.forEach(function (f) {
        var li = el("li");
        li.appendChild(el("span", "wg-fact", f[0] + ": " + f[1]));
        var src = [f[2], f[3]].filter(Boolean).join(", ");
        if (src) li.appendChild(el("span", "wg-source", " (" + src + ")"));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    return box;
  };

  WG.pin = function (k, n) {
    var size = SIZES[k] || 24;
    var label = el("span", "wg-pin-label", typeof n === "number" ? String(Math.floor(n)) : null);
    return L.divIcon({className: "wg-pin wg-" + k, html: label, iconSize: [size, size],
                      iconAnchor: [size / 2, size / 2], popupAnchor: [0, -size / 2]});
  };
  WG.point = function (feature, latlng) {
    var p = feature.properties || {}, k = kind(p.kind), name = String(p.tip || "");
    /* Itinerary stops stay above the place symbols they share a position with; bigger (more
       important) pins lie above smaller ones, so a 5A area is never hidden under the seat of
       the town it lies in. */
    var marker = L.marker(latlng, {icon: WG.pin(k, p.n), title: name, alt: name, riseOnHover: true,
                                   zIndexOffset: k === "stop" ? 100000 : (SIZES[k] || 24) * 1000});
    var label = String(p.label || name), size = SIZES[k] || 24;
    var zoom = LABEL_ZOOM.hasOwnProperty(k) ? LABEL_ZOOM[k] : 12;
    if (label) {
      marker.bindTooltip(el("span", null, label), {permanent: true, direction: "right",
        offset: [size / 2 - 2, 0], interactive: false, className: "wg-label wg-lz" + zoom});
    }
    return marker;
  };

  /* Room a popup may take: the map less its control columns (the larger of two layouts). */
  WG.popupFit = function () {
    var map = WG.map, size = map.getSize(), box = map.getContainer().getBoundingClientRect();
    function extent(selector) {
      var w = 0, h = 0;
      map.getContainer().querySelectorAll(selector + " > .leaflet-control").forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (!r.width || !r.height || getComputedStyle(c).display === "none") return;
        w = Math.max(w, selector.indexOf("left") >= 0 ? r.right - box.left : box.right - r.left);
        h = Math.max(h, selector.indexOf("top") >= 0 ? r.bottom - box.top : box.bottom - r.top);
      });
      return {w: w, h: h};
    }
    var tl = extent(".leaflet-top.leaflet-left"), tr = extent(".leaflet-top.leaflet-right");
    var bl = extent(".leaflet-bottom.leaflet-left"), br = extent(".leaflet-bottom.leaflet-right");
    var layouts = [
      {left: tl.w, right: Math.max(tr.w, br.w), bottom: bl.h},
      {left: tl.w, right: tr.w, bottom: Math.max(bl.h, br.h)},
      {left: Math.max(tl.w, bl.w), right: Math.max(tr.w, br.w), bottom: 0}];
    var best = null;
    layouts.forEach(function (l) {
      l.width = size.x - l.left - l.right - 16;
      l.height = size.y - l.bottom - 16;
      if (l.width >= 180 && (!best || l.width * l.height > best.width * best.height)) best = l;
    });
    best = best || layouts[1];
    return {autoPanPaddingTopLeft: L.point(best.left + 8, 8),
            autoPanPaddingBottomRight: L.point(best.right + 8, best.bottom + 8),
            maxWidth: Math.max(160, Math.min(320, best.width - 40)), minWidth: 150,
            maxHeight: Math.max(120, best.height - 50)};
  };
  WG.hidden = function (feature, latlng) {
    return L.circleMarker(latlng, {radius: 1, stroke: false, fill: false, interactive: false});
  };
  WG.bind = function (feature, layer) {
    var p = feature.properties || {};
    if (p.popup) {
      layer.bindPopup(function () {
        L.setOptions(this, WG.popupFit());  /* called as the popup opens, before it is placed */
        return WG.popupContent(p.popup);
      }, {maxWidth: 320, minWidth: 150});
    }
    if (p.tip && !layer.getLatLng) layer.bindTooltip(el("span", null, p.tip), {sticky: true});
    if (p.id && layer.getLatLng) WG.markers[p.id] = layer;
  };

  WG.open = function (id) {
    var marker = WG.markers[id];
    if (!marker) return;
    for (var i = 0; i < WG.clusters.length; i++) {
      var cluster = WG.clusters[i];
      if (cluster._map && cluster.hasLayer(marker)) {
        cluster.zoomToShowLayer(marker, function () { marker.openPopup(); });
        return;
      }
    }
    if (marker._map) marker.openPopup();
  };

  /* WGS-84 -> map datum by bilinear interpolation of a grid of offsets computed in Python. */
  WG.toMapDatum = function (lat, lng) {
    var g = WG.shift;
    if (!g) return [lat, lng];
    var fx = Math.min(Math.max((lng - g.x0) / g.step, 0), g.nx - 1.000001);
    var fy = Math.min(Math.max((lat - g.y0) / g.step, 0), g.ny - 1.000001);
    var i = Math.floor(fx), j = Math.floor(fy), tx = fx - i, ty = fy - j;
    function mix(a) {
      var k = j * g.nx + i;
      return (1 - ty) * ((1 - tx) * a[k] + tx * a[k + 1]) +
        ty * ((1 - tx) * a[k + g.nx] + tx * a[k + g.nx + 1]);
    }
    return [lat + mix(g.dy), lng + mix(g.dx)];
  };

  function swatch(item) {
    var box = el("span", "wg-swatch"), colour = COLOUR.test(item.color || "") ? item.color : "#333333";
    if (item.swatch === "pin") {
      var pin = el("span", "wg-pin wg-" + kind(item.kind) + " wg-legend-pin");
      pin.appendChild(el("span", "wg-pin-label"));
      box.appendChild(pin);
    } else if (item.swatch === "line") {
      box.appendChild(WG.lineKey(colour, item.weight, item.dash));
    } else {
      var fill = el("span", "wg-fill");
      fill.style.backgroundColor = colour;
      fill.style.opacity = String(Math.min(Math.max(Number(item.opacity) || 0.6, 0.1), 1));
      box.appendChild(fill);
    }
    return box;
  }

  /* A short line in a colour and dash pattern, drawn as SVG like the map's own lines. */
  WG.lineKey = function (colour, weight, dash) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "26"); svg.setAttribute("height", "10");
    svg.setAttribute("class", "wg-line-key");
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "1"); line.setAttribute("y1", "5");
    line.setAttribute("x2", "25"); line.setAttribute("y2", "5");
    line.setAttribute("stroke", COLOUR.test(colour || "") ? colour : "#333333");
    line.setAttribute("stroke-width", String(Math.min(Math.max(Number(weight) || 3, 1), 6)));
    if (dash && /^[0-9 ]{1,20}$/.test(dash)) line.setAttribute("stroke-dasharray", dash);
    svg.appendChild(line);
    return svg;
  };

  /* Headings in the layer list, and each catchment's outline beside its name. */
  WG.groupLayers = function (control, groups) {
    var inputs = control._layerControlInputs || [];
    (groups || []).forEach(function (group) {
      var first = true;
      inputs.forEach(function (input) {
        var obj = control._getLayer(input.layerId), key = obj && group.layers[obj.name];
        if (!key) return;
        var label = input.parentNode && input.parentNode.parentNode;
        if (!label || label.querySelector(".wg-line-key")) return;
        if (first) {
          label.parentNode.insertBefore(el("div", "wg-layer-group", group.title), label);
          first = false;
        }
        input.parentNode.insertBefore(WG.lineKey(key.color, 3, key.dash), input.nextSibling);
      });
    });
  };

  function panel(position, cls, title, open, fill) {
    var Panel = L.Control.extend({
      options: {position: position},
      onAdd: function () {
        var box = el("details", "wg-panel " + cls);
        box.open = open;
        box.appendChild(el("summary", null, title));
        /* On a phone one panel at a time: opening one hides the others. */
        box.addEventListener("toggle", function () {
          if (!WG.small()) return;
          document.querySelectorAll(".wg-panel").forEach(function (other) {
            if (other !== box) other.classList.toggle("wg-hidden", box.open);
            if (other !== box && box.open) other.open = false;
          });
          /* ... and an open panel on the right rises above the scale and the credits. */
          var corner = WG.map.getContainer().querySelector(".leaflet-bottom.leaflet-left");
          if (position === "bottomright") {
            box.style.marginBottom = box.open && corner ? (corner.offsetHeight + 4) + "px" : "";
          }
        });
        fill(box);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    return new Panel();
  }

  WG.init = function (map, cfg, refs) {
    WG.map = map;
    WG.text = cfg.text;
    map.attributionControl.setPosition("bottomleft");
    var leaflet = el("a", null, "Leaflet");
    leaflet.href = "https://leafletjs.com";
    leaflet.title = cfg.text.leaflet;
    map.attributionControl.setPrefix(leaflet.outerHTML);
    WG.shift = cfg.shift || null;
    WG.clusters = refs.clusters || [];
    var fallback = document.getElementById("wg-fallback");
    if (fallback) fallback.parentNode.removeChild(fallback);  /* the map runs: no message */
    document.title = cfg.title;
    var labels = function () {
      var z = map.getZoom(), box = map.getContainer();
      LABEL_STEPS.forEach(function (step) { box.classList.toggle("wg-z" + step, z >= step); });
    };
    map.on("zoomend", labels);
    labels();
    var t = cfg.text;
    if (map.zoomControl) {
      map.zoomControl._zoomInButton.title = t.zoomIn;
      map.zoomControl._zoomInButton.setAttribute("aria-label", t.zoomIn);
      map.zoomControl._zoomOutButton.title = t.zoomOut;
      map.zoomControl._zoomOutButton.setAttribute("aria-label", t.zoomOut);
    }
    L.control.scale({imperial: false, maxWidth: 120}).addTo(map);

    panel("bottomright", "wg-legend", cfg.legend.title, !WG.small(), function (box) {
      cfg.legend.sections.forEach(function (section) {
        if (section.title) box.appendChild(el("h4", null, section.title));
        var list = el("ul", section.layout === "ramp" ? "wg-ramp" : null);
        section.items.forEach(function (item) {
          var li = el("li");
          li.appendChild(swatch(item));
          li.appendChild(el("span", null, item.label));
          list.appendChild(li);
        });
        box.appendChild(list);
      });
      (cfg.legend.notes || []).forEach(function (note) { box.appendChild(el("div", "wg-note", note)); });
    }).addTo(map);

    if (cfg.unresolved.length) {
      var head = cfg.text.unresolved + " (" + cfg.unresolved.length + ")";
      panel("bottomleft", "wg-unresolved", head, !WG.small(), function (box) {
        box.appendChild(el("div", "wg-note", cfg.text.unresolvedNote));
        if (cfg.coverage && cfg.coverage.length) {  /* resolved of all, per layer, and how */
          box.appendChild(el("div", "wg-coverage", cfg.text.coverage + ": " + cfg.coverage
            .map(function (c) { return c.layer + " " + c.text; }).join("; ")));
        }
        var list = el("ul");
        cfg.unresolved.forEach(function (u) {
          var li = el("li");
          li.appendChild(el("span", "wg-u-name", u.name));
          if (u.alt) li.appendChild(el("span", "wg-u-alt", " · " + u.alt));
          li.appendChild(el("div", "wg-u-meta", [u.category, u.grade, u.part_of, u.reason]
            .filter(Boolean).join(" · ")));
          list.appendChild(li);
        });
        box.appendChild(list);
      }).addTo(map);
    }

    var credit = el("span", null, cfg.attribution);
    map.attributionControl.addAttribution(credit.innerHTML);

    if (refs.search) {
      refs.search.options.textErr = cfg.text.notFound;
      refs.search.options.textCancel = t.cancel;
      refs.search.options.textLoading = t.loading;
      if (refs.search._button) refs.search._button.title = t.searchTitle;
      if (refs.search._cancel) refs.search._cancel.title = t.cancel;
      refs.search.options.buildTip = function (text, record) {
        var layer = record && record.layer, p = (layer && layer.feature && layer.feature.properties) || {};
        var tip = el("li");
        tip.appendChild(el("span", "wg-tip-name", p.tip || text));
        return tip;
      };
      refs.search.on("search:locationfound", function (e) {
        var p = e.layer && e.layer.feature && e.layer.feature.properties;
        if (p && p.id) WG.open(p.id);
      });
    }
    if (WG.shift) {
      map.on("locationfound", function (e) {
        var moved = WG.toMapDatum(e.latlng.lat, e.latlng.lng);
        e.latlng = L.latLng(moved[0], moved[1]);
        e.bounds = e.latlng.toBounds(2 * (e.accuracy || 0));
      });
    }
    if (refs.layers) {
      var control = refs.layers, update = control._update;
      control._update = function () {
        var out = update.apply(this, arguments);
        WG.groupLayers(this, cfg.groups);
        return out;
      };
      control._update();
      var toggle = control._layersLink;
      if (toggle) { toggle.title = t.layers; toggle.setAttribute("aria-label", t.layers); }
      if (!WG.small()) control.expand();
    }
    (refs.minimaps || []).forEach(function (mini) {
      if (!mini || !mini.options) return;
      mini.options.strings = {hideText: t.minimapHide, showText: t.minimapShow};
      if (mini._toggleDisplayButton) mini._toggleDisplayButton.title =
        mini._minimized ? t.minimapShow : t.minimapHide;
    });
  };
})();
