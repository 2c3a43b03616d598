/* The window evaluator's tablet page (templates/evaluator/evaluator.html).
 *
 * A press thanks the person at once and joins a queue, with the hall-local second it was
 * pressed at; the queue is kept in localStorage (a reload or a power cut loses nothing) and
 * sent to POST /api/evaluations one press at a time until the server answers. The server
 * stores a press once per evaluator and second, so sending it again after a lost answer is
 * harmless. The person at the window is asked for again every CURRENT_REFRESH_MS.
 *
 * Every text shown comes from the page (translated on the server). State for the tests is
 * on #evaluator: data-state (ready, thanks, revoked), data-queued, data-stored (presses the
 * server has answered for) and data-refused (presses it refused for good, e.g. too old).
 */
(function () {
  "use strict";

  var THANKS_MS = 3000;
  var CURRENT_REFRESH_MS = 60000;
  var RETRY_FIRST_MS = 2000;
  var RETRY_MAX_MS = 60000;

  var root = document.getElementById("evaluator");
  var texts = JSON.parse(document.getElementById("evaluator-texts").textContent);
  var person = document.getElementById("person");
  var photo = document.getElementById("person-photo");
  var nameLine = document.getElementById("person-name");
  var statusLine = document.getElementById("status");
  var thanks = document.getElementById("thanks");
  // One queue per evaluator: a tablet paired anew never sends another window's presses.
  var queueKey = "evaluator-queue-" + root.getAttribute("data-device-id");

  var clock = window.hallClock(root, texts.weekdays);
  clock.show(document.getElementById("clock-time"), document.getElementById("clock-date"));

  var state = { sending: false, stopped: false, backoff: 0, thanksTimer: null, stored: 0, refused: 0 };
  var queue = load();

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(queueKey)) || [];
    } catch (error) {
      return [];
    }
  }

  function save() {
    try {
      window.localStorage.setItem(queueKey, JSON.stringify(queue));
    } catch (error) {
      /* a private window: the queue lasts until the page is closed */
    }
    root.setAttribute("data-queued", String(queue.length));
  }

  function setState(name) {
    root.setAttribute("data-state", name);
    thanks.hidden = name !== "thanks";
  }

  // ---- the person at the window -----------------------------------------------------------

  photo.addEventListener("load", function () {
    photo.hidden = false;
  });
  photo.addEventListener("error", function () {
    photo.hidden = true; // no photo of this person: the name is enough
  });

  function showPerson(staffId, name) {
    person.setAttribute("data-staff-id", staffId);
    nameLine.textContent = name;
    if (!staffId) {
      photo.hidden = true;
      photo.removeAttribute("src");
      return;
    }
    var source = root.getAttribute("data-photo-url").replace("{id}", encodeURIComponent(staffId));
    if (photo.getAttribute("src") !== source) {
      photo.hidden = true; // until it has loaded
      photo.src = source;
    }
  }

  function refreshPerson() {
    if (state.stopped) return;
    fetch(root.getAttribute("data-current-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          stop();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(
        function (current) {
          if (current) showPerson(current.staff_id ? String(current.staff_id) : "", current.staff_name || "");
        },
        function () {
          /* offline: the person shown stays until the next try */
        }
      );
  }

  // ---- presses ----------------------------------------------------------------------------

  function stop() {
    // The secret was revoked or replaced: keep what is queued, take no more presses.
    state.stopped = true;
    setState("revoked");
    statusLine.textContent = texts.revoked;
  }

  function answered(outcome) {
    queue.shift();
    save();
    state[outcome] += 1;
    root.setAttribute("data-" + outcome, String(state[outcome]));
    state.backoff = 0;
    statusLine.textContent = "";
    send();
  }

  function retry(text) {
    state.backoff = state.backoff ? Math.min(state.backoff * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    statusLine.textContent = text;
    setTimeout(send, state.backoff);
  }

  function send() {
    if (state.sending || state.stopped || !queue.length) return;
    state.sending = true;
    fetch(root.getAttribute("data-press-url"), {
      method: "POST",
      body: JSON.stringify(queue[0]),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.getAttribute("data-csrf") },
      credentials: "same-origin",
      cache: "no-store",
    }).then(
      function (response) {
        state.sending = false;
        if (response.status === 200 || response.status === 201) {
          answered("stored");
        } else if (response.status === 401 || response.status === 403) {
          stop();
        } else if (response.status === 400 || response.status === 422) {
          answered("refused"); // never to be accepted (too old, a level this server lacks)
        } else {
          retry(texts.server);
        }
      },
      function () {
        state.sending = false;
        retry(texts.offline);
      }
    );
  }

  function press(level) {
    if (state.stopped || root.getAttribute("data-state") !== "ready") return;
    queue.push({ level: level, pressed_at: clock.now().stamp });
    save();
    setState("thanks");
    clearTimeout(state.thanksTimer);
    state.thanksTimer = setTimeout(function () {
      if (!state.stopped) setState("ready");
    }, THANKS_MS);
    send();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-level]"), function (button) {
    button.addEventListener("click", function () {
      press(button.getAttribute("data-level"));
    });
  });

  document.getElementById("unpair").addEventListener("submit", function (event) {
    if (!window.confirm(texts.unpair)) event.preventDefault();
  });

  save();
  showPerson(person.getAttribute("data-staff-id"), nameLine.textContent);
  setInterval(refreshPerson, CURRENT_REFRESH_MS);
  send(); // what an earlier visit left queued
})();
