// Care charts: data comes from json_script blocks (no inline script; CSP).
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function draw() {
    if (typeof Chart === "undefined") { return; }
    var report = data("care-report-data");
    var canvas = document.getElementById("care-report-chart");
    if (report && canvas) {
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: report.labels,
          datasets: [
            { label: gettext("预算（元）"), data: report.budget, backgroundColor: "#fca5a5" },
            { label: gettext("已支出（元）"), data: report.spent, backgroundColor: "#c8102e" }
          ]
        },
        options: { responsive: true, animation: false, scales: { y: { beginAtZero: true } } }
      });
    }
    var district = data("care-district-data");
    var dcanvas = document.getElementById("care-district-chart");
    if (district && dcanvas) {
      new Chart(dcanvas, {
        type: "bar",
        data: { labels: district.labels, datasets: [{ label: gettext("困难职工档案"), data: district.values, backgroundColor: "#c8102e" }] },
        options: { responsive: true, animation: false }
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
