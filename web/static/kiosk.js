/* The face clock-in kiosk (templates/kiosk/kiosk.html).
 *
 * The camera is watched a few times a second. A frame is sent to POST /api/faces/clock,
 * which finds and recognises the face, only when the scene changed since the last frame
 * sent (a 32x24 grey thumbnail compared pixel by pixel), when the last answer asked the
 * person to try again, or when a few seconds passed: an empty, unchanged hall costs one
 * request every IDLE_RESEND_MS. One request is in flight at a time.
 *
 * Every text shown comes from the page (translated on the server) or from the server's
 * answer. State for the tests is on #result: data-outcome, data-staff-id, data-sent
 * (frames sent) and data-answered (answers received).
 */
(function () {
  "use strict";

  var FRAME_WIDTH = 640;
  var FRAME_HEIGHT = 480;
  var THUMB_WIDTH = 32;
  var THUMB_HEIGHT = 24;
  var TICK_MS = 200; // how often the camera is looked at
  var IDLE_RESEND_MS = 3000; // an unchanged scene is still sent this often
  var PIXEL_CHANGE = 24; // grey levels a thumbnail pixel must move to count as changed
  var CHANGED_SHARE = 0.03; // share of the thumbnail's pixels that must change
  var JPEG_QUALITY = 0.85;
  var REQUEST_TIMEOUT_MS = 10000;
  var BACKOFF_FIRST_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var CAMERA_RETRY_MS = 5000;
  // A repeat of the person just clocked (still standing there) is not shown or spoken again.
  var SAME_PERSON_QUIET_MS = 15000;
  // Answers that ask the person to try again at once: the next frame is sent regardless.
  var RETRY = { unsure: true, too_small: true, partial: true, blurred: true, many_faces: true };
  // How long an answer stays on screen, and how long no frame is sent after it.
  var SHOW_MS = { clocked: 4000, repeat: 3000, retry: 1500, other: 3000 };
  var PAUSE_MS = { clocked: 4000, repeat: 2500, retry: 300, other: 2500, quiet: 2500 };

  var root = document.getElementById("kiosk");
  var texts = JSON.parse(document.getElementById("kiosk-texts").textContent);
  var result = document.getElementById("result");
  var photo = document.getElementById("result-photo");
  var title = document.getElementById("result-title");
  var nameLine = document.getElementById("result-name");
  var meaningLine = document.getElementById("result-meaning");
  var timeLine = document.getElementById("result-time");
  var video = document.getElementById("camera");
  var frame = document.getElementById("frame");
  var speech = document.getElementById("speech");
  var thumbCanvas = document.createElement("canvas");
  thumbCanvas.width = THUMB_WIDTH;
  thumbCanvas.height = THUMB_HEIGHT;
  var thumbContext = thumbCanvas.getContext("2d", { willReadFrequently: true });

  var state = {
    stopped: false,
    busy: false,
    retry: false,
    lastThumb: null,
    lastSentAt: 0,
    pausedUntil: 0,
    showingUntil: 0,
    resetTimer: null,
    backoff: 0,
    sent: 0,
    answered: 0,
    lastClocked: { staffId: null, at: 0 },
    ticker: null,
  };

  // ---- the clock: the server's time, in the hall's time zone (terminal.js) -------------

  window
    .hallClock(root, texts.weekdays)
    .show(document.getElementById("clock-time"), document.getElementById("clock-date"));

  // ---- speech, only when switched on ----------------------------------------------------

  var SPEECH_KEY = "kiosk-speech";
  var canSpeak = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  speech.disabled = !canSpeak;
  try {
    speech.checked = canSpeak && window.localStorage.getItem(SPEECH_KEY) === "on";
  } catch (error) {
    speech.checked = false;
  }
  speech.addEventListener("change", function () {
    try {
      window.localStorage.setItem(SPEECH_KEY, speech.checked ? "on" : "off");
    } catch (error) {
      /* a private window: the choice lasts until the page is reloaded */
    }
    if (!speech.checked && canSpeak) window.speechSynthesis.cancel();
  });

  function say(text) {
    if (!canSpeak || !speech.checked || !text) return;
    window.speechSynthesis.cancel();
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || "zh-CN";
    window.speechSynthesis.speak(utterance);
  }

  document.getElementById("unpair").addEventListener("submit", function (event) {
    if (!window.confirm(texts.unpair)) event.preventDefault();
  });

  // ---- the result panel -----------------------------------------------------------------

  photo.addEventListener("load", function () {
    photo.hidden = photo.getAttribute("data-for") !== result.getAttribute("data-staff-id");
  });
  photo.addEventListener("error", function () {
    photo.hidden = true; // no photo of this person: the name is enough
  });

  function show(outcome, what) {
    clearTimeout(state.resetTimer);
    state.showingUntil = 0;
    var staffId = what.staffId ? String(what.staffId) : "";
    result.setAttribute("data-outcome", outcome);
    result.setAttribute("data-staff-id", staffId);
    result.setAttribute("data-tone", what.tone || "");
    title.textContent = what.title || "";
    nameLine.textContent = what.name || "";
    meaningLine.textContent = what.meaning || "";
    timeLine.textContent = what.time || "";
    if (staffId && what.photo) {
      photo.hidden = true; // until it has loaded
      photo.setAttribute("data-for", staffId);
      photo.src = root.getAttribute("data-photo-url").replace("{id}", encodeURIComponent(staffId));
    } else {
      photo.hidden = true;
      photo.removeAttribute("data-for");
      photo.removeAttribute("src");
    }
  }

  function showFor(outcome, what, milliseconds) {
    show(outcome, what);
    state.showingUntil = Date.now() + milliseconds;
    state.resetTimer = setTimeout(showWaiting, milliseconds);
  }

  function showWaiting() {
    show("waiting", { title: texts.waiting });
  }

  function wallTime(stamp, withSeconds) {
    // punched_at is the hall's local time: shown as written, not converted.
    var found = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(stamp || "");
    if (!found) return "";
    return found[1] + ":" + found[2] + (withSeconds ? ":" + (found[3] || "00") : "");
  }

  function pause(milliseconds) {
    state.pausedUntil = Math.max(state.pausedUntil, Date.now() + milliseconds);
  }

  // ---- answers ------------------------------------------------------------------------

  function answered(body) {
    var outcome = body.outcome;
    var now = Date.now();
    state.backoff = 0;
    if (outcome === "no_face") {
      if (now >= state.showingUntil) showWaiting();
      return;
    }
    if (RETRY[outcome]) {
      state.retry = true;
      showFor(outcome, { title: body.message, tone: "retry" }, SHOW_MS.retry);
      pause(PAUSE_MS.retry);
      return;
    }
    if (outcome === "clocked") {
      state.lastClocked = { staffId: body.staff_id, at: now };
      showFor(
        outcome,
        {
          title: texts.clocked,
          name: body.staff_name,
          meaning: body.meaning,
          time: wallTime(body.punched_at, true),
          staffId: body.staff_id,
          photo: true,
        },
        SHOW_MS.clocked
      );
      pause(PAUSE_MS.clocked);
      say([body.message, body.meaning].filter(Boolean).join(" "));
      return;
    }
    if (outcome === "repeat") {
      var lingering =
        body.staff_id === state.lastClocked.staffId && now - state.lastClocked.at < SAME_PERSON_QUIET_MS;
      if (lingering) {
        if (now >= state.showingUntil) showWaiting();
        pause(PAUSE_MS.quiet);
        return;
      }
      var repeated = texts.repeat.replace("{time}", wallTime(body.punched_at, false));
      showFor(
        outcome,
        { title: repeated, name: body.staff_name, staffId: body.staff_id, photo: true },
        SHOW_MS.repeat
      );
      pause(PAUSE_MS.repeat);
      say([body.staff_name, repeated].filter(Boolean).join(" "));
      return;
    }
    // unknown, refused, and whatever a newer server may answer: its message, for a moment.
    showFor(outcome || "other", { title: body.message, staffId: body.staff_id, tone: "bad" }, SHOW_MS.other);
    pause(PAUSE_MS.other);
    say(body.message);
  }

  function trouble(outcome, text) {
    // The network or the server failed: say so, and try again later and later.
    state.backoff = state.backoff ? Math.min(state.backoff * 2, BACKOFF_MAX_MS) : BACKOFF_FIRST_MS;
    state.lastThumb = null; // the next try is sent whatever the camera shows
    pause(state.backoff);
    show(outcome, { title: text, tone: "bad" });
  }

  function stop() {
    // The secret was revoked or replaced: nothing this page sends will be accepted again.
    state.stopped = true;
    clearInterval(state.ticker);
    show("revoked", { title: texts.revoked, tone: "bad" });
    say(texts.revoked);
    if (video.srcObject) {
      video.srcObject.getTracks().forEach(function (track) {
        track.stop();
      });
    }
  }

  function received(reply) {
    state.busy = false;
    state.answered += 1;
    result.setAttribute("data-answered", String(state.answered));
    if (state.stopped) return;
    if (reply.status === 200 && reply.body.outcome) {
      answered(reply.body);
    } else if (reply.status === 401 || reply.status === 403) {
      stop();
    } else if (reply.status === 400 || reply.status === 413 || reply.status === 422) {
      // This frame was refused (an unreadable image): the next one may do.
      state.backoff = 0;
      showFor("bad_image", { title: reply.body.detail || texts.server, tone: "retry" }, SHOW_MS.retry);
      pause(PAUSE_MS.retry);
    } else {
      trouble("server_error", texts.server);
    }
  }

  function failed() {
    state.busy = false;
    if (!state.stopped) trouble("offline", texts.offline);
  }

  // ---- frames -------------------------------------------------------------------------

  function thumbnail() {
    thumbContext.drawImage(video, 0, 0, THUMB_WIDTH, THUMB_HEIGHT);
    var rgba = thumbContext.getImageData(0, 0, THUMB_WIDTH, THUMB_HEIGHT).data;
    var grey = new Uint8Array(THUMB_WIDTH * THUMB_HEIGHT);
    for (var i = 0; i < grey.length; i++) {
      grey[i] = (rgba[4 * i] * 77 + rgba[4 * i + 1] * 150 + rgba[4 * i + 2] * 29) >> 8;
    }
    return grey;
  }

  function changed(current, previous) {
    if (!previous) return true;
    var moved = 0;
    for (var i = 0; i < current.length; i++) {
      if (Math.abs(current[i] - previous[i]) > PIXEL_CHANGE) moved++;
    }
    return moved > current.length * CHANGED_SHARE;
  }

  function post(blob) {
    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    return fetch(root.getAttribute("data-clock-url"), {
      method: "POST",
      body: blob,
      headers: { "Content-Type": "image/jpeg", Accept: "application/json", "X-CSRFToken": root.getAttribute("data-csrf") },
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            return { status: response.status, body: body || {} };
          });
      })
      .finally(function () {
        clearTimeout(timer);
      });
  }

  function send(thumb, now) {
    state.busy = true;
    state.retry = false;
    state.lastThumb = thumb;
    state.lastSentAt = now;
    var scale = Math.min(1, FRAME_WIDTH / video.videoWidth, FRAME_HEIGHT / video.videoHeight);
    frame.width = Math.round(video.videoWidth * scale);
    frame.height = Math.round(video.videoHeight * scale);
    frame.getContext("2d").drawImage(video, 0, 0, frame.width, frame.height);
    frame.toBlob(
      function (blob) {
        if (!blob) {
          state.busy = false;
          return;
        }
        state.sent += 1;
        result.setAttribute("data-sent", String(state.sent));
        post(blob).then(received, failed);
      },
      "image/jpeg",
      JPEG_QUALITY
    );
  }

  function tick() {
    if (state.stopped || state.busy || video.readyState < 2 || !video.videoWidth) return;
    var now = Date.now();
    if (now < state.pausedUntil) return;
    var thumb = thumbnail();
    if (state.retry || now - state.lastSentAt >= IDLE_RESEND_MS || changed(thumb, state.lastThumb)) {
      send(thumb, now);
    }
  }

  // ---- the camera ---------------------------------------------------------------------

  function cameraFailed(text) {
    clearInterval(state.ticker);
    show("camera_error", { title: text, tone: "bad" });
    setTimeout(startCamera, CAMERA_RETRY_MS);
  }

  function startCamera() {
    if (state.stopped) return;
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show("camera_error", { title: texts.insecure, tone: "bad" });
      return;
    }
    navigator.mediaDevices
      .getUserMedia({
        audio: false,
        video: { width: { ideal: FRAME_WIDTH }, height: { ideal: FRAME_HEIGHT }, facingMode: "user" },
      })
      .then(function (stream) {
        stream.getVideoTracks().forEach(function (track) {
          // Unplugged: look for the camera again.
          track.addEventListener("ended", function () {
            if (!state.stopped) cameraFailed(texts.camera);
          });
        });
        video.srcObject = stream;
        return video.play();
      })
      .then(function () {
        showWaiting();
        clearInterval(state.ticker);
        state.ticker = setInterval(tick, TICK_MS);
      })
      .catch(function () {
        cameraFailed(texts.camera);
      });
  }

  startCamera();
})();
