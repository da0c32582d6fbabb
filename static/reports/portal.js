/* Portal: keeps the state and progress of reports being built up to date (polls every 2 s). */
(function () {
  "use strict";

  var INTERVAL = 2000;
  var root = document.querySelector("[data-status-url]");
  if (!root || !window.fetch) {
    return;
  }
  var statusUrl = root.getAttribute("data-status-url");

  function pendingRows() {
    return Array.prototype.slice.call(
      root.querySelectorAll('[data-report][data-state="queued"], [data-report][data-state="running"]')
    );
  }

  function setText(row, selector, text) {
    var element = row.querySelector(selector);
    if (element) {
      element.textContent = text;
    }
  }

  function update(report) {
    var row = root.querySelector('[data-report="' + report.id + '"]');
    if (!row) {
      return;
    }
    row.setAttribute("data-state", report.state);
    var label = report.state_label;
    if (report.state === "running" && report.step) {
      label += " – " + report.step;
    }
    setText(row, ".state-label", label);
    var bar = row.querySelector(".report-progress");
    if (bar) {
      bar.value = report.progress;
      bar.textContent = report.progress + " %";
    }
    if (report.state === "done" || report.state === "failed") {
      if (bar) {
        bar.remove();
      }
      setText(row, ".report-pages", report.page_count === null ? "–" : String(report.page_count));
    }
    if (report.state === "failed" && report.error) {
      var error = document.createElement("span");
      error.className = "report-error";
      error.textContent = report.error;
      row.querySelector(".report-state").appendChild(error);
    }
    if (report.state === "done" && report.download_url) {
      var cell = row.querySelector(".report-file");
      var link = document.createElement("a");
      link.href = report.download_url;
      link.setAttribute("download", "");
      link.textContent = root.getAttribute("data-download-label") || "PDF herunterladen";
      cell.textContent = "";
      cell.appendChild(link);
    }
  }

  function poll() {
    var rows = pendingRows();
    if (!rows.length) {
      return;
    }
    var ids = rows.map(function (row) { return row.getAttribute("data-report"); });
    fetch(statusUrl + "?ids=" + encodeURIComponent(ids.join(",")), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        data.reports.forEach(update);
      })
      .catch(function () {
        /* The network may drop for a moment: the next round asks again. */
      })
      .then(function () {
        window.setTimeout(poll, INTERVAL);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
