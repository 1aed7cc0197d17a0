/* "Schedule now" and "Forecast": submit the form in the background, then follow the job
   (queued → started → finished | failed) and show its result or the reason it failed. */
(function () {
  "use strict";
  var POLL_MS = 1000, MAX_POLLS = 900;

  function show(box, text, kind, busy) {
    box.textContent = "";
    if (busy) {
      var bar = document.createElement("progress");
      bar.setAttribute("aria-label", "Job in progress");
      box.appendChild(bar);
      box.appendChild(document.createTextNode(" "));
    }
    var p = document.createElement("span");
    p.className = kind ? "alert " + kind : "";
    p.textContent = text;
    box.appendChild(p);
  }

  function follow(form, box, url, polls) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.status === "finished") {
          show(box, form.dataset.kind + " ready: " + job.summary, "ok", false);
          form.querySelector("button").disabled = false;
          if (window.gridflexCharts) { window.gridflexCharts.drawAll(); }
        } else if (job.status === "failed") {
          show(box, form.dataset.kind + " failed: " + job.error, "error", false);
          form.querySelector("button").disabled = false;
        } else if (polls >= MAX_POLLS) {
          show(box, "Still " + job.status + "; see the jobs list later.", "info", false);
          form.querySelector("button").disabled = false;
        } else {
          show(box, form.dataset.kind + " job " + job.status + " …", "", true);
          setTimeout(function () { follow(form, box, url, polls + 1); }, POLL_MS);
        }
      })
      .catch(function (e) { show(box, "Lost track of the job: " + e.message, "error", false); });
  }

  function submit(event) {
    var form = event.target;
    var box = form.querySelector(".job-progress");
    event.preventDefault();
    form.querySelector("button").disabled = true;
    show(box, "Sending …", "", true);
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) {
          show(box, "Not started: " + answer.body.message, "error", false);
          form.querySelector("button").disabled = false;
          return;
        }
        follow(form, box, answer.body.status_url, 0);
      })
      .catch(function (e) {
        show(box, "Not started: " + e.message, "error", false);
        form.querySelector("button").disabled = false;
      });
  }

  document.querySelectorAll("form.job-form").forEach(function (form) {
    form.addEventListener("submit", submit);
  });
})();
