/*
 * The catalogue import's status page follows the worker: it asks the status address every
 * two seconds, moves the progress bar and its sentence, and reloads the page (with its result
 * report) once the import has finished. Without script, the page's "Refresh" link does the same.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var failures = 0;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        if (status.finished) {
          window.location.reload();
          return;
        }
        if (bar) {
          bar.max = Math.max(status.rows_total, 1);
          if (status.rows_done) bar.value = status.rows_done;
          else bar.removeAttribute("value");
        }
        if (text && text.textContent.trim() !== status.text) text.textContent = status.text;
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        failures += 1;
        window.setTimeout(poll, Math.min(30000, 2000 * Math.pow(2, failures)));
      });
  }
  window.setTimeout(poll, 1000);
})();
