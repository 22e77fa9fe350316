// "Use my location" on the booking searches: fills the hidden lat/lon fields from the browser's
// position and submits the form (the server finds the centres near it, nearest first). Without
// JavaScript or geolocation the button stays hidden and area or postal code search still works.
(function () {
  "use strict";
  function setUp() {
    var button = document.getElementById("locate");
    if (!button || !("geolocation" in navigator)) return;
    var form = button.form;
    var lat = form.querySelector("#lat"), lon = form.querySelector("#lon");
    var status = document.getElementById("locate-status");
    button.parentElement.hidden = false;
    // Choosing an area or typing a postal code replaces the position.
    form.querySelectorAll("[data-location]").forEach(function (field) {
      field.addEventListener("change", function () { lat.value = ""; lon.value = ""; });
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(3);
        lon.value = position.coords.longitude.toFixed(3);
        form.querySelectorAll("[data-location]").forEach(function (field) { field.value = ""; });
        var page = form.querySelector("input[name=page]");
        if (page) page.remove();
        form.submit();
      }, function (error) {
        button.disabled = false;
        status.textContent = error.code === 1 ? button.dataset.denied : button.dataset.failed;
      }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
