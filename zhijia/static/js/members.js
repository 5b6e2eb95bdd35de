/* Members pages: dashboard charts (Chart.js), "use my location" on the join page, the card scanner (jsQR). */
(function () {
  "use strict";

  function csrfToken() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

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
                datasets: [{ label: "入会人数", data: stats.joins_by_month.map(function (m) { return m.joined; }),
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
      if (!navigator.geolocation) { status.textContent = "此设备不支持定位，请手动选择所在区。"; return; }
      status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
        document.getElementById("district").value = "";
        status.textContent = "已获取位置，提交后将按位置确定所在区。";
      }, function () { status.textContent = "未能获取位置，请手动选择所在区。"; },
      { enableHighAccuracy: false, timeout: 10000 });
    });
  }

  function showResult(box, r) {
    box.className = r.valid ? "ok" : "error";
    box.textContent = "";
    var lines = [r.valid ? "✔ " + r.reason : "✘ " + r.reason];
    if (r.member_number) lines.push("会员编号：" + r.member_number);
    if (r.masked_name) lines.push("姓名：" + r.masked_name);
    if (r.union_name) lines.push("工会：" + r.union_name);
    if (r.expires) lines.push("有效期至：" + r.expires);
    lines.forEach(function (t) { var p = document.createElement("p"); p.textContent = t; box.appendChild(p); });
  }

  function verify(token) {
    var box = document.getElementById("verify-result");
    box.textContent = "验证中…";
    fetch("/api/v1/cards/verify", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ token: token })
    }).then(function (r) { return r.json(); }).then(function (r) { showResult(box, r); })
      .catch(function () { box.className = "error"; box.textContent = "网络异常，请重试"; });
  }

  function scanner() {
    var form = document.getElementById("verify-form");
    if (!form) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      verify(document.getElementById("token").value.trim());
    });
    var start = document.getElementById("scan-start");
    var video = document.getElementById("scan-video");
    var canvas = document.getElementById("scan-canvas");
    start.addEventListener("click", function () {
      if (!navigator.mediaDevices || typeof jsQR === "undefined") return;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream; video.hidden = false; video.play();
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        (function tick() {
          if (video.readyState === video.HAVE_ENOUGH_DATA) {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            ctx.drawImage(video, 0, 0);
            var code = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
            if (code && code.data) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              video.hidden = true;
              document.getElementById("token").value = code.data;
              verify(code.data);
              return;
            }
          }
          requestAnimationFrame(tick);
        })();
      }).catch(function () {
        document.getElementById("verify-result").textContent = "无法打开摄像头，请粘贴令牌验证。";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); locate(); scanner(); });
})();
