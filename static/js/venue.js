// The venue screen follows its code: it reloads itself when the code changes (or when
// check-in opens). A script rather than <meta http-equiv="refresh">, which a screen reader
// or a magnifier user on an ordinary page could not stop; this page is a screen at the door.
(function () {
  var screen = document.querySelector("[data-reload-after]");
  if (!screen) {
    return;
  }
  var seconds = parseInt(screen.getAttribute("data-reload-after"), 10);
  if (seconds > 0) {
    window.setTimeout(function () {
      window.location.reload();
    }, seconds * 1000);
  }
})();
