// The theory exam: a countdown to the server's deadline, answers saved as they are chosen, and the paper handed in
// when the time is up. The server keeps the clock: this only shows it and refuses nothing itself.
(function () {
  var bar = document.getElementById("exam-bar");
  var form = document.getElementById("exam-form");
  if (!bar || !form) return;
  var out = document.getElementById("countdown");
  var end = Date.now() + parseInt(bar.dataset.secondsLeft, 10) * 1000;
  var handedIn = false;

  function two(n) { return n < 10 ? "0" + n : String(n); }

  function show(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    out.textContent = (h ? h + ":" + two(m) : String(m)) + ":" + two(s);
  }

  function answers() {
    var data = {};
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      var id = fs.id.replace("q-", ""), letters = "";
      fs.querySelectorAll("input:checked").forEach(function (input) { letters += input.value; });
      data[id] = letters;
    });
    return data;
  }

  function save() {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(form.dataset.saveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ answers: answers(), submit: false })
    }).then(function (response) {
      bar.classList.toggle("unsaved", !response.ok);
      if (!response.ok) return response.json().then(function (err) { out.textContent = err.message; });
    }).catch(function () { bar.classList.add("unsaved"); });
  }

  function handIn() {
    if (handedIn) return;
    handedIn = true;
    out.textContent = gettext("时间到，正在交卷…");
    var button = document.getElementById("submit-exam");
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  function tick() {
    if (handedIn) return;
    var seconds = Math.max(0, Math.round((end - Date.now()) / 1000));
    show(seconds);
    bar.classList.toggle("urgent", seconds <= 60);
    if (seconds === 0) { handIn(); return; }
    window.setTimeout(tick, 250);
  }

  form.addEventListener("change", save);
  form.addEventListener("submit", function () { handedIn = true; });
  tick();
})();
