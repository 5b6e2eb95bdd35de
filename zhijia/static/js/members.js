/* Members pages: dashboard charts (Chart.js), "use my location" on the join page. The scanner: members-scan.js. */
(function () {
  "use strict";

  function charts() {
    var data = document.getElementById("member-stats");
    if (!data || typeof Chart === "undefined") return;
    var stats = JSON.parse(data.textContent);
    var red = "#c8102e";
    function bar(id, labels, values, horizontal) {
      var el = document.getElementById(id);
      if (!el) return;
      new Chart(el, {
        type: "bar",
        data: { labels: labels, datasets: [{ data: values, backgroundColor: red }] },
        options: { indexAxis: horizontal ? "y" : "x", plugins: { legend: { display: false } }, animation: false,
                   responsive: true, maintainAspectRatio: false }
      });
    }
    bar("chart-unions", stats.by_union.map(function (u) { return u.name; }),
        stats.by_union.map(function (u) { return u.members; }), true);
    var occ = document.getElementById("chart-occupations");
    if (occ) {
      new Chart(occ, {
        type: "doughnut",
        data: { labels: stats.by_occupation.map(function (o) { return o.label; }),
                datasets: [{ data: stats.by_occupation.map(function (o) { return o.members; }),
                             backgroundColor: ["#c8102e", "#f59e0b", "#2563eb", "#059669", "#9ca3af"] }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false }
      });
    }
    var months = document.getElementById("chart-months");
    if (months) {
      new Chart(months, {
        type: "line",
        data: { labels: stats.joins_by_month.map(function (m) { return m.month; }),
                datasets: [{ label: gettext("入会人数"), data: stats.joins_by_month.map(function (m) { return m.joined; }),
                             borderColor: red, backgroundColor: red }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false,
                   scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } }
      });
    }
  }

  function locate() {
    var button = document.getElementById("use-location");
    if (!button) return;
    var status = document.getElementById("location-status");
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = gettext("此设备不支持定位，请手动选择所在区。"); return; }
      status.textContent = gettext("正在定位…");
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
        document.getElementById("district").value = "";
        status.textContent = gettext("已获取位置，提交后将按位置确定所在区。");
      }, function () { status.textContent = gettext("未能获取位置，请手动选择所在区。"); },
      { enableHighAccuracy: false, timeout: 10000 });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); locate(); });
})();
