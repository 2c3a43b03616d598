/* The small behaviours of the staff pages (templates/base.html), kept out of the pages
 * themselves so that the Content-Security-Policy can refuse every inline script.
 *
 * select[data-autosubmit]: choosing an option submits its form.
 * button[data-print]: prints the page.
 * #board[data-url]: reloads the attendance board every data-refresh seconds.
 * #job[data-job-id]: follows a document job until it is done or failed; the state names
 *   shown are the element's data-text-<state> attributes.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) target.form.submit();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest && target.closest("button[data-print]")) window.print();
  });

  function followBoard(board) {
    var seconds = parseInt(board.getAttribute("data-refresh"), 10) || 30;
    function refresh() {
      fetch(board.getAttribute("data-url"), { credentials: "same-origin" })
        .then(function (response) {
          if (response.redirected) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) { if (html !== null) { board.innerHTML = html; } })
        .catch(function () {})
        .then(function () { window.setTimeout(refresh, seconds * 1000); });
    }
    window.setTimeout(refresh, seconds * 1000);
  }

  function followJob(box) {
    function text(state) {
      return box.getAttribute("data-text-" + state) || state;
    }
    function follow() {
      if (box.dataset.state === "done" || box.dataset.state === "failed") return;
      fetch("/api/documents/jobs/" + box.dataset.jobId, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          box.dataset.state = job.state;
          var bar = document.getElementById("progress");
          bar.max = job.total || 1; bar.value = job.state === "done" ? bar.max : job.done;
          document.getElementById("state").textContent = text(job.state) + (job.error ? ": " + job.error : "");
          if (job.state === "done") {
            document.getElementById("download").href = "/documents/" + job.document_id;
            document.getElementById("ready").hidden = false;
          }
          setTimeout(follow, 1000);
        })
        .catch(function () { setTimeout(follow, 3000); });
    }
    setTimeout(follow, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.querySelector("#board[data-url]");
    if (board) followBoard(board);
    var job = document.querySelector("#job[data-job-id]");
    if (job) followJob(job);
  });
})();
