// Face enrolment with the browser's camera: the shots are added to the form's own file input
// (name="photos"), so they are sent exactly like photos chosen from disk. Plain JS, no library.
// Every text shown comes from the page (data-msg-*), translated with it.
(function () {
  "use strict";

  function format(text, n) {
    return (text || "").replace("{n}", String(n));
  }

  function canUseCamera() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return false;
    }
    try {
      new DataTransfer(); // Safari before 14.1 cannot build a file list
      return true;
    } catch (error) {
      return false;
    }
  }

  function setUp(form) {
    var box = form.querySelector("[data-camera]");
    var input = form.querySelector('input[type="file"][name="photos"]');
    if (!box || !input) {
      return;
    }
    var max = parseInt(form.getAttribute("data-max"), 10) || 5;
    var openButton = box.querySelector("[data-camera-open]");
    var view = box.querySelector("[data-camera-view]");
    var video = box.querySelector("[data-camera-video]");
    var shootButton = box.querySelector("[data-camera-shoot]");
    var closeButton = box.querySelector("[data-camera-close]");
    var shotsBox = box.querySelector("[data-camera-shots]");
    var status = box.querySelector("[data-camera-status]");
    var picked = []; // files chosen with the file dialog
    var shots = []; // {file, url} taken with the camera
    var stream = null;

    box.hidden = false;
    if (!canUseCamera()) {
      openButton.hidden = true;
      status.textContent = box.getAttribute("data-msg-unavailable");
      return;
    }

    function total() {
      return picked.length + shots.length;
    }

    function showState() {
      var full = total() >= max;
      shootButton.disabled = full;
      if (full) {
        status.textContent = box.getAttribute("data-msg-full");
      } else if (total() > 0) {
        status.textContent = format(box.getAttribute("data-msg-count"), total());
      } else {
        status.textContent = "";
      }
    }

    // The input holds the picked files followed by the shots; assigning `files` does not
    // fire "change", so this never loops.
    function sync() {
      var transfer = new DataTransfer();
      picked.forEach(function (file) {
        transfer.items.add(file);
      });
      shots.forEach(function (shot) {
        transfer.items.add(shot.file);
      });
      input.files = transfer.files;
      showState();
    }

    function showShots() {
      shotsBox.textContent = "";
      shots.forEach(function (shot, index) {
        var figure = document.createElement("figure");
        figure.style.margin = "0";
        var image = document.createElement("img");
        image.src = shot.url;
        image.alt = shotsBox.getAttribute("data-shot-label") + " " + (index + 1);
        image.style.height = "96px";
        image.style.borderRadius = "4px";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = shotsBox.getAttribute("data-remove-label");
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(shot.url);
          shots.splice(shots.indexOf(shot), 1);
          showShots();
          sync();
        });
        var caption = document.createElement("figcaption");
        caption.appendChild(remove);
        figure.appendChild(image);
        figure.appendChild(caption);
        shotsBox.appendChild(figure);
      });
    }

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
        stream = null;
      }
      video.srcObject = null;
      view.hidden = true;
      openButton.hidden = false;
    }

    openButton.addEventListener("click", function () {
      openButton.disabled = true;
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
        .then(function (opened) {
          stream = opened;
          video.srcObject = opened;
          view.hidden = false;
          openButton.hidden = true;
          showState();
        })
        .catch(function () {
          status.textContent = box.getAttribute("data-msg-denied");
        })
        .then(function () {
          openButton.disabled = false;
        });
    });

    shootButton.addEventListener("click", function () {
      if (!stream || total() >= max || !video.videoWidth) {
        return;
      }
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(
        function (blob) {
          if (!blob || total() >= max) {
            return;
          }
          var file = new File([blob], "camera-" + Date.now() + ".jpg", { type: "image/jpeg" });
          shots.push({ file: file, url: URL.createObjectURL(blob) });
          showShots();
          sync();
        },
        "image/jpeg",
        0.92
      );
    });

    closeButton.addEventListener("click", stop);

    // Choosing files replaces what the dialog chose before; the shots stay. (A browser may
    // keep the old list, shots included, when the dialog is cancelled: those are not picks.)
    input.addEventListener("change", function () {
      picked = Array.prototype.filter.call(input.files, function (file) {
        return !shots.some(function (shot) {
          return shot.file === file || (shot.file.name === file.name && shot.file.size === file.size);
        });
      });
      sync();
    });

    form.addEventListener("submit", stop);
    window.addEventListener("pagehide", stop);
  }

  document.querySelectorAll("form[data-max]").forEach(setUp);
})();
