/* Benefits pages: the countdown to release (worker), and the camera scanner (staff). No inline scripts (CSP). */
(function () {
  "use strict";

  // Countdown: each claim button stays disabled until its release time, then enables itself.
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-release]").forEach(function (el) {
      var release = Date.parse(el.dataset.release);
      var btn = el.parentElement.querySelector(".claim-btn");
      var left = Math.floor((release - now) / 1000);
      if (isNaN(release) || left <= 0) {
        el.textContent = "";
        if (btn) { btn.disabled = false; }
        return;
      }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60);
      var clock = pad(h) + ":" + pad(m) + ":" + pad(left % 60);
      el.textContent = d ? interpolate(gettext("距开始 %(d)s天 %(clock)s"), { d: d, clock: clock }, true)
        : interpolate(gettext("距开始 %(clock)s"), { clock: clock }, true);
      if (btn) { btn.disabled = true; }
    });
  }
  if (document.querySelector(".countdown")) { tick(); setInterval(tick, 500); }

  // Scanner: camera frames go through jsQR; a decoded code is put in the form and submitted.
  var start = document.getElementById("scan-start");
  if (!start) { return; }
  var video = document.getElementById("scan-video");
  var canvas = document.getElementById("scan-canvas");
  var status = document.getElementById("scan-status");
  var input = document.getElementById("redeem-code");
  var form = document.getElementById("redeem-form");
  var last = "", lastAt = 0;

  function submit(code) {
    input.value = code;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function scan() {
    if (video.readyState === video.HAVE_ENOUGH_DATA && window.jsQR) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      var now = Date.now();
      if (found && found.data && (found.data !== last || now - lastAt > 4000)) {
        last = found.data; lastAt = now;
        status.textContent = interpolate(gettext("已识别：%(code)s"), { code: found.data }, true);
        submit(found.data);
      }
    }
    requestAnimationFrame(scan);
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = gettext("此设备无法使用摄像头，请手动输入核销码。");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      start.hidden = true;
      video.play();
      status.textContent = gettext("正在扫描…");
      requestAnimationFrame(scan);
    }).catch(function () {
      status.textContent = gettext("无法打开摄像头（未授权或不可用），请手动输入核销码。");
    });
  });
})();
