/* Stations pages: the workers' map (nearest open stations, filters, list, card, navigation links) and the staff
   coverage map. No inline scripts (CSP): configuration comes from a json_script block. Works without tiles. */
(function () {
  "use strict";

  // Shared with the other map pages (js/map_base.js, loaded first).
  var readConfig = window.ZhijiaMap.readConfig;
  var baseMap = window.ZhijiaMap.baseMap;
  var text = window.ZhijiaMap.text;
  var distanceText = window.ZhijiaMap.distanceText;

  /* ---------------------------------------------------------------- workers' map */
  function workerMap(config) {
    var useGcj = config.tileCoords === "gcj02";
    var map = baseMap("st-map", config.tileUrl);
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(cluster);
    var me = null;
    var here = null;
    var markers = {};
    var stations = [];
    var form = document.getElementById("st-filters");
    var list = document.getElementById("st-list");
    var card = document.getElementById("st-card");
    var status = document.getElementById("st-status");
    var district = document.getElementById("st-district");
    var centres = {};
    config.districts.forEach(function (d) { centres[d.code] = d; });

    function at(s) { return useGcj ? [s.gcj02[0], s.gcj02[1]] : [s.lat, s.lng]; }

    function params() {
      var q = new URLSearchParams();
      q.set("lat", here.lat.toFixed(6));
      q.set("lng", here.lng.toFixed(6));
      q.set("limit", "50");
      var kind = form.elements.kind.value;
      if (kind) { q.set("kind", kind); }
      if (form.elements.open_now.checked) { q.set("open_now", "true"); }
      Array.prototype.forEach.call(form.querySelectorAll("input[name=amenity]:checked"), function (box) {
        q.append("amenity", box.value);
      });
      return q;
    }

    function showCard(s) {
      card.hidden = false;
      card.replaceChildren();
      card.appendChild(text("h2", "", s.name));
      var tags = text("p", "");
      tags.appendChild(text("span", "tag", s.kind_label));
      tags.appendChild(document.createTextNode(" "));
      tags.appendChild(text("span", s.open_now ? "tag green" : "tag", s.open_now ? gettext("现在开放") : gettext("现在未开放")));
      tags.appendChild(document.createTextNode(" " + interpolate(gettext("距您 %(distance)s"), { distance: distanceText(s.distance_m) }, true)));
      card.appendChild(tags);
      card.appendChild(text("p", "", s.address));
      var hoursBox = text("p", "st-hours");
      s.hours_text.forEach(function (line) { hoursBox.appendChild(text("span", "", line)); hoursBox.appendChild(document.createElement("br")); });
      card.appendChild(hoursBox);
      var am = text("p", "st-card-amenities");
      s.amenities.forEach(function (a) { am.appendChild(text("span", "tag", config.amenityLabels[a] || a)); am.appendChild(document.createTextNode(" ")); });
      card.appendChild(am);
      if (s.contact_phone) {
        var tel = text("a", "", interpolate(gettext("电话 %(phone)s"), { phone: s.contact_phone }, true));
        tel.href = "tel:" + s.contact_phone;
        card.appendChild(tel);
      }
      var nav = text("div", "st-nav");
      var amap = text("a", "btn primary st-nav-amap", gettext("高德地图导航"));
      // 高德 takes GCJ-02 ("coordinate=gaode"); callnative opens the app when installed, else the web page.
      amap.href = "https://uri.amap.com/navigation?to=" + s.gcj02[1] + "," + s.gcj02[0] + "," +
        encodeURIComponent(s.name) + "&mode=walk&coordinate=gaode&callnative=1";
      amap.rel = "noopener";
      var geo = text("a", "btn st-nav-geo", gettext("其他地图"));
      geo.href = "geo:" + s.lat + "," + s.lng + "?q=" + s.lat + "," + s.lng + "(" + encodeURIComponent(s.name) + ")";
      nav.appendChild(amap);
      nav.appendChild(geo);
      card.appendChild(nav);
      Array.prototype.forEach.call(list.children, function (li) {
        li.classList.toggle("active", li.dataset.id === String(s.id));
      });
    }

    function render() {
      card.hidden = true;
      cluster.clearLayers();
      list.replaceChildren();
      markers = {};
      stations.forEach(function (s, i) {
        var icon = L.divIcon({ className: "st-pin" + (s.open_now ? "" : " closed"), iconSize: [16, 16] });
        var marker = L.marker(at(s), { icon: icon, title: s.name, alt: s.name });
        marker.on("click", function () { showCard(s); });
        markers[s.id] = marker;
        cluster.addLayer(marker);
        var li = text("li", "");
        li.dataset.id = String(s.id);
        li.tabIndex = 0;
        li.appendChild(text("span", "st-dist", distanceText(s.distance_m)));
        li.appendChild(text("div", "st-name", (i + 1) + ". " + s.name));
        var meta = text("div", "muted", s.kind_label + " · " + (s.open_now ? gettext("现在开放") : gettext("现在未开放")));
        li.appendChild(meta);
        var am = text("div", "st-li-amenities");
        s.amenities.forEach(function (a) { am.appendChild(text("span", "tag", config.amenityLabels[a] || a)); am.appendChild(document.createTextNode(" ")); });
        li.appendChild(am);
        function pick() {
          showCard(s);
          map.setView(at(s), Math.max(map.getZoom(), 16));
        }
        li.addEventListener("click", pick);
        li.addEventListener("keydown", function (e) { if (e.key === "Enter") { pick(); } });
        list.appendChild(li);
      });
      var points = stations.map(at);
      var mine = here ? myPoint() : null;
      if (mine) { points.push(mine); }
      if (points.length) { map.fitBounds(L.latLngBounds(points).pad(0.1), { maxZoom: 16 }); }
    }

    function myPoint() {
      // With GCJ-02 tiles, shift the position by the nearest station's offset (it changes by metres per km).
      if (useGcj && stations.length) {
        var s = stations[0];
        return [here.lat + s.gcj02[0] - s.lat, here.lng + s.gcj02[1] - s.lng];
      }
      return [here.lat, here.lng];
    }

    var latest = 0;

    function load() {
      if (!here) { return; }
      status.textContent = gettext("正在查找附近的站点…");
      // Filters change faster than answers come back: only the answer to the latest request is shown.
      var mine = ++latest;
      fetch(config.nearestUrl + "?" + params().toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (mine !== latest) { return; }
          if (!res.ok) {
            status.textContent = res.body.message || gettext("查询失败");
            stations = [];
          } else {
            stations = res.body;
            status.textContent = stations.length
              ? interpolate(gettext("离%(place)s最近的 %(n)s 个站点"), { place: here.label, n: stations.length }, true)
              : gettext("附近没有符合条件的站点，试试减少筛选条件");
          }
          render();
          if (me) { map.removeLayer(me); }
          me = L.marker(myPoint(), { icon: L.divIcon({ className: "st-me", iconSize: [18, 18] }), title: gettext("我的位置"), zIndexOffset: 1000 }).addTo(map);
        })
        .catch(function () { status.textContent = gettext("网络不可用，请稍后重试"); });
    }

    function useDistrict(code, why) {
      var d = centres[code] || centres[config.defaultDistrict];
      here = { lat: d.lat, lng: d.lng, label: interpolate(gettext("%(name)s中心"), { name: d.name }, true) };
      status.textContent = (why || "") + interpolate(gettext("使用%(name)s中心"), { name: d.name }, true);
      load();
    }

    function locate() {
      if (!navigator.geolocation) { useDistrict(config.defaultDistrict, gettext("无法定位，")); return; }
      status.textContent = gettext("正在定位…");
      var answered = false;
      function fallback() {
        if (answered) { return; }
        answered = true;
        district.value = district.value || config.defaultDistrict;
        useDistrict(district.value, gettext("无法获取定位，"));
      }
      // A permission prompt nobody answers never calls back: fall back to a district centre after a while.
      window.setTimeout(fallback, 5000);
      navigator.geolocation.getCurrentPosition(function (pos) {
        if (answered) { return; }
        answered = true;
        here = { lat: pos.coords.latitude, lng: pos.coords.longitude, label: gettext("您") };
        load();
      }, fallback, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    }

    map.setView([39.9, 116.4], 10);
    form.addEventListener("change", function (e) {
      if (e.target === district) {
        if (district.value) { useDistrict(district.value); } else { locate(); }
        return;
      }
      load();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
    locate();
  }

  /* ---------------------------------------------------------------- coverage map (staff) */
  function coverageMap(config) {
    var map = baseMap("st-coverage-map", config.tileUrl);
    var bounds = [];
    var top = config.gaps.reduce(function (m, g) { return Math.max(m, g.workers); }, 1);
    config.gaps.forEach(function (g, i) {
      var poly = L.polygon(g.boundary, { color: "#b91c1c", weight: 1, fillColor: "#dc2626", fillOpacity: 0.15 + 0.6 * g.workers / top });
      poly.bindTooltip(interpolate(gettext("第%(rank)s名 · %(n)s 名职工"), { rank: i + 1, n: g.workers }, true));
      poly.addTo(map);
      bounds.push([g.lat, g.lng]);
    });
    var topVisits = config.heat.reduce(function (m, h) { return Math.max(m, h.visits); }, 1);
    config.heat.forEach(function (h) {
      L.circleMarker([h.lat, h.lng], { radius: 4 + 16 * Math.sqrt(h.visits / topVisits), color: "#ea580c", weight: 0, fillOpacity: 0.35 })
        .bindTooltip(interpolate(gettext("%(name)s · %(n)s 人次"), { name: h.name, n: h.visits }, true)).addTo(map);
    });
    config.stations.forEach(function (s) {
      L.circleMarker([s.lat, s.lng], { radius: 3, color: "#1d4ed8", weight: 1, fillOpacity: 0.8 }).bindTooltip(s.name).addTo(map);
      if (!config.gaps.length) { bounds.push([s.lat, s.lng]); }
    });
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds).pad(0.1)); } else { map.setView([39.9, 116.4], 9); }
  }

  function start() {
    var worker = readConfig("st-config");
    if (worker && window.L) { workerMap(worker); }
    var coverage = readConfig("st-coverage-config");
    if (coverage && window.L) { coverageMap(coverage); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
