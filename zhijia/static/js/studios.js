/* Innovation studios pages: the console map of the listed studios (clustered, coloured by level), the studio card's
   own pin, and the workers' list of studios near them or in a district. Map pieces from js/map_base.js. */
(function () {
  "use strict";
  var M = window.ZhijiaMap;

  function pin(s) {
    var cls = "sd-pin " + (s.level === "municipal" ? "sd-municipal" : "sd-district") + (s.status === "probation" ? " sd-probation" : "");
    return L.divIcon({ className: cls, iconSize: [16, 16] });
  }

  function popup(s, detailUrl) {
    var box = M.text("div", "sd-popup");
    var title = M.text(detailUrl ? "a" : "strong", "", s.name);
    if (detailUrl) { title.href = detailUrl + s.id + "/"; }
    box.appendChild(title);
    box.appendChild(M.text("div", "muted", s.level_label + " · " + s.field_label + " · " + s.district));
    box.appendChild(M.text("div", "", s.leader_title
      ? interpolate(gettext("领衔人 %(name)s（%(title)s）"), { name: s.leader_name, title: s.leader_title }, true)
      : interpolate(gettext("领衔人 %(name)s"), { name: s.leader_name }, true)));
    box.appendChild(M.text("div", "muted", s.address));
    return box;
  }

  function plot(map, cluster, points, config) {
    cluster.clearLayers();
    var bounds = [];
    points.forEach(function (s) {
      var at = M.pointOf(s, config.tileCoords);
      var marker = L.marker(at, { icon: pin(s), title: s.name, alt: s.name });
      marker.bindPopup(popup(s, config.detailUrl));
      cluster.addLayer(marker);
      bounds.push(at);
    });
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds).pad(0.1), { maxZoom: 15 }); } else { map.setView([40.0, 116.4], 9); }
  }

  /* ---------------------------------------------------------------- console map (list page, studio card) */
  function consoleMap(config) {
    var map = M.baseMap("sd-map", config.tileUrl);
    var cluster = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 }) : L.layerGroup();
    map.addLayer(cluster);
    var status = document.getElementById("sd-map-status");
    if (config.points) { plot(map, cluster, config.points, config); return; }
    fetch(config.pointsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { status.textContent = res.body.message || gettext("地图数据加载失败"); return; }
        plot(map, cluster, res.body, config);
        status.textContent = interpolate(gettext("地图上共 %(n)s 个工作室（红：市级，蓝：区级）"), { n: res.body.length }, true);
      })
      .catch(function () { status.textContent = gettext("网络不可用，请稍后重试"); });
  }

  /* ---------------------------------------------------------------- workers' list */
  function workerList(config) {
    var map = M.baseMap("sd-map", config.tileUrl);
    var cluster = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 }) : L.layerGroup();
    map.addLayer(cluster);
    var list = document.getElementById("sd-list");
    var status = document.getElementById("sd-status");
    var district = document.getElementById("sd-district");
    var near = document.getElementById("sd-near");
    var latest = 0;

    function render(points, here) {
      list.replaceChildren();
      points.forEach(function (s, i) {
        var li = M.text("li", "");
        li.dataset.id = String(s.id);
        if (s.distance_m !== null && s.distance_m !== undefined) { li.appendChild(M.text("span", "st-dist", M.distanceText(s.distance_m))); }
        li.appendChild(M.text("div", "st-name", (i + 1) + ". " + s.name));
        li.appendChild(M.text("div", "muted", s.level_label + " · " + s.field_label + " · " + s.district));
        li.appendChild(M.text("div", "", s.leader_title
          ? interpolate(gettext("领衔人 %(name)s · %(title)s"), { name: s.leader_name, title: s.leader_title }, true)
          : interpolate(gettext("领衔人 %(name)s"), { name: s.leader_name }, true)));
        li.appendChild(M.text("div", "muted", s.address));
        list.appendChild(li);
      });
      plot(map, cluster, points, config);
      if (here) {
        L.marker([here.lat, here.lng], { icon: L.divIcon({ className: "st-me", iconSize: [18, 18] }), title: gettext("我的位置") }).addTo(map);
      }
    }

    function load(query, label, here) {
      var mine = ++latest;
      status.textContent = gettext("正在查找…");
      fetch(config.publicUrl + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (mine !== latest) { return; }
          if (!res.ok) { status.textContent = res.body.message || gettext("查询失败"); return; }
          status.textContent = res.body.length
            ? interpolate(gettext("%(where)s共 %(n)s 个创新工作室"), { where: label, n: res.body.length }, true)
            : interpolate(gettext("%(where)s暂无创新工作室"), { where: label }, true);
          render(res.body, here);
        })
        .catch(function () { status.textContent = gettext("网络不可用，请稍后重试"); });
    }

    function byDistrict(code) {
      var q = new URLSearchParams();
      q.set("region_code", code);
      q.set("limit", "200");
      var name = district.options[district.selectedIndex] ? district.options[district.selectedIndex].text : code;
      load(q, name, null);
    }

    function nearMe() {
      function around(lat, lng, label) {
        var q = new URLSearchParams();
        q.set("lat", lat.toFixed(6));
        q.set("lng", lng.toFixed(6));
        q.set("limit", "20");
        load(q, label, { lat: lat, lng: lng });
      }
      function fallback() {
        var code = config.defaultDistrict;
        var centre = config.districts.filter(function (d) { return d.code === code; })[0];
        around(centre.lat, centre.lng, interpolate(gettext("无法定位，%(name)s中心附近"), { name: centre.name }, true));
      }
      if (!navigator.geolocation) { fallback(); return; }
      status.textContent = gettext("正在定位…");
      var answered = false;
      window.setTimeout(function () { if (!answered) { answered = true; fallback(); } }, 5000);
      navigator.geolocation.getCurrentPosition(function (pos) {
        if (answered) { return; }
        answered = true;
        around(pos.coords.latitude, pos.coords.longitude, gettext("离您最近的"));
      }, function () { if (!answered) { answered = true; fallback(); } }, { timeout: 8000, maximumAge: 60000 });
    }

    district.addEventListener("change", function () { if (district.value) { byDistrict(district.value); } });
    near.addEventListener("click", function (e) { e.preventDefault(); district.value = ""; nearMe(); });
    if (config.district) { byDistrict(config.district); } else { nearMe(); }
  }

  M.onReady(function () {
    if (!window.L) { return; }
    var consoleConfig = M.readConfig("sd-map-config");
    if (consoleConfig) { consoleMap(consoleConfig); }
    var workerConfig = M.readConfig("sd-worker-config");
    if (workerConfig) { workerList(workerConfig); }
  });
})();
