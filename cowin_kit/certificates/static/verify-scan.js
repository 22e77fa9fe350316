/* Scan a certificate's QR code with the phone's camera on /verify (and in the offline
 * verifier, /verifier/: the panel's data-form and data-field name its form and field).
 *
 * BarcodeDetector where the browser has it, else the bundled jsQR (vendor/jsqr, Apache-2.0).
 * The text read goes into the form's "Text of the QR code" field and the form is sent; a
 * binary QR code (the DIVOC W3C credential is a zip) is sent as base64, which the verifier
 * reads. Nothing leaves the page but that form. Messages come from the page (data-*), so
 * they are in the reader's language.
 */
(function () {
  "use strict";

  var heading = document.querySelector(".verify-result h2");
  if (heading) {  // the answer after a reload: move focus there so screen readers read it
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  var start = document.getElementById("scan-start");
  var panel = document.getElementById("scan-panel");
  if (!start || !panel || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;  // no camera API (or not a secure context): the paste and upload fields remain
  }
  var form = document.getElementById(panel.getAttribute("data-form") || "verify-form");
  var field = document.getElementById(panel.getAttribute("data-field") || "payload");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var stop = document.getElementById("scan-stop");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = null;
  var stream = null;
  var running = false;

  if ("BarcodeDetector" in window) {
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      detector = null;
    }
  }
  start.hidden = false;

  function say(key) {
    status.textContent = panel.getAttribute("data-" + key) || "";
  }

  function stopCamera() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    panel.hidden = true;
    start.hidden = false;
  }

  function base64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return window.btoa(text);
  }

  function found(text) {
    stopCamera();
    field.value = text;
    say("found");
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function frame() {
    var scale = Math.min(1, 960 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }

  function withJsQR() {
    var image = frame();
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
    if (!code) {
      return null;
    }
    var bytes = code.binaryData || [];
    // a zip ("PK"): the DIVOC credential; its bytes travel as base64
    return bytes[0] === 0x50 && bytes[1] === 0x4b ? base64(bytes) : code.data;
  }

  function tick() {
    if (!running) {
      return;
    }
    if (video.readyState < 2 || !video.videoWidth) {
      window.setTimeout(tick, 100);
      return;
    }
    if (detector) {
      detector.detect(video).then(function (codes) {
        var value = codes.length ? codes[0].rawValue : "";
        if (value && value.slice(0, 2) !== "PK") {
          found(value);
        } else if (value) {
          found(withJsQR() || value);  // binary: read the bytes with jsQR
        } else {
          window.setTimeout(tick, 150);
        }
      }, function () {
        detector = null;  // the detector failed on this device: decode with jsQR from now on
        tick();
      });
      return;
    }
    var text = withJsQR();
    if (text) {
      found(text);
    } else {
      window.setTimeout(tick, 150);
    }
  }

  start.addEventListener("click", function () {
    start.hidden = true;
    panel.hidden = false;
    say("starting");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () {
        running = true;
        say("looking");
        tick();
      })
      .catch(function () {
        stopCamera();
        say("denied");
      });
  });
  stop.addEventListener("click", function () {
    stopCamera();
    say("stopped");
  });
}());
