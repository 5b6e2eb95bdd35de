// Shows the safety message the moment PHQ-9 item 9 is answered above 0, before the form is sent.
(function () {
  var form = document.getElementById("assess-form");
  var safety = document.getElementById("safety");
  if (!form || !safety || !form.dataset.crisisItem) return;
  var name = "q" + form.dataset.crisisItem;
  form.addEventListener("change", function (event) {
    if (event.target.name !== name) return;
    if (parseInt(event.target.value, 10) > 0) {
      safety.hidden = false;
      safety.scrollIntoView({ behavior: "smooth", block: "start" });
    } else {
      safety.hidden = true;
    }
  });
})();

// Report charts: data comes from a json_script element, never from inline script.
(function () {
  var el = document.getElementById("report-data");
  if (!el || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var palette = ["#c8102e", "#f59e0b", "#10b981", "#3b82f6", "#8b5cf6", "#6b7280", "#ec4899", "#14b8a6", "#84cc16"];
  var bands = document.getElementById("chart-bands");
  if (bands) {
    var names = Object.keys(data.series);
    new Chart(bands, {
      type: "bar",
      data: {
        labels: data.months,
        datasets: names.map(function (n, i) {
          return { label: n, backgroundColor: palette[i % palette.length],
                   data: data.months.map(function (m) { return data.series[n][m] || 0; }) };
        })
      },
      options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
    });
  }
  var vol = document.getElementById("chart-volunteers");
  if (vol) {
    new Chart(vol, {
      type: "bar",
      data: {
        labels: data.volunteers.map(function (r) { return r.union; }),
        datasets: [
          { label: gettext("人次"), backgroundColor: "#c8102e", data: data.volunteers.map(function (r) { return r.person_times; }) },
          { label: gettext("服务时长（小时）"), backgroundColor: "#f59e0b", data: data.volunteers.map(function (r) { return r.hours; }) }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    });
  }
})();
