/* The pieces every map page shares (stations, studios): a Leaflet map with the configured tiles or none (offline),
   small DOM and distance helpers, and reading a json_script configuration block (no inline scripts under CSP). */
(function () {
  "use strict";

  function readConfig(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function baseMap(elementId, tileUrl) {
    // maxZoom on the map itself: with no tile layer (offline) the clusters still need to know it.
    var map = L.map(elementId, { zoomControl: true, maxZoom: 19, minZoom: 3 });
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    }
    return map;
  }

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (value !== undefined) { el.textContent = value; }
    return el;
  }

  function distanceText(m) {
    return m < 1000 ? interpolate(gettext("%(m)s 米"), { m: Math.round(m) }, true)
      : interpolate(gettext("%(km)s 公里"), { km: (m / 1000).toFixed(1) }, true);
  }

  /* [lat, lng] of a point in the tiles' coordinate system: GCJ-02 tiles (高德/腾讯) need the shifted pair. */
  function pointOf(p, tileCoords) {
    return tileCoords === "gcj02" && p.gcj02 ? [p.gcj02[0], p.gcj02[1]] : [p.lat, p.lng];
  }

  function onReady(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  window.ZhijiaMap = { readConfig: readConfig, baseMap: baseMap, text: text, distanceText: distanceText,
                       pointOf: pointOf, onReady: onReady };
})();
