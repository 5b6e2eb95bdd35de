// Appeals pages: keyboard shortcuts on the hotline form, picking a worker from the lookup, the rates chart.
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (form) {
    const workerId = document.getElementById("worker-id");
    const submitWith = (id) => { const b = document.getElementById(id); if (b) { form.requestSubmit(b); } };
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.ctrlKey) { e.preventDefault(); submitWith("btn-dispatch"); }
      if (e.key === "Enter" && e.altKey) { e.preventDefault(); submitWith("btn-answer"); }
    });
    const refreshDuplicates = () => {
      const cat = document.getElementById("category");
      if (window.htmx && workerId.value && cat.value) { window.htmx.trigger(cat, "change"); }
    };
    document.body.addEventListener("htmx:afterSwap", (e) => {
      if (e.detail.target.id !== "lookup-result") { return; }
      const card = document.getElementById("worker-card");
      workerId.value = card ? card.dataset.worker : "";
      refreshDuplicates();
    });
    document.body.addEventListener("click", (e) => {
      const pick = e.target.closest(".pick-worker");
      if (!pick) { return; }
      workerId.value = pick.dataset.worker;
      const lookup = document.getElementById("lookup");
      lookup.value = pick.dataset.name;
      document.getElementById("lookup-result").innerHTML = interpolate(gettext("已选择：%(name)s"), { name: pick.dataset.name }, true);
      refreshDuplicates();
      document.getElementById("category").focus();
    });
  }
  const chartEl = document.getElementById("rates-chart");
  if (chartEl && window.Chart) {
    const data = JSON.parse(document.getElementById("rates-data").textContent);
    const pct = (xs) => xs.map((x) => (x === null ? null : Math.round(x * 1000) / 10));
    new window.Chart(chartEl, {
      type: "line",
      data: { labels: data.labels, datasets: [
        { label: gettext("响应率"), data: pct(data.response), borderColor: "#c8102e" },
        { label: gettext("解决率"), data: pct(data.resolution), borderColor: "#15803d" },
        { label: gettext("满意率"), data: pct(data.satisfaction), borderColor: "#1d4ed8" },
      ] },
      options: { animation: false, scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + "%" } } } },
    });
  }
})();
