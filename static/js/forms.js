// A refused form opens with its error summary focused, so that a screen reader reads it and
// Tab goes on to the links to each field. (`autofocus` alone is not enough: a page opened at
// a fragment, as the comment form's is, skips autofocus; and the fragment's scrolling at
// "load" must be over, so the focus is given then.)
//
// A message flashed after an action is written at the top of the page, but the page may land
// further down (a redirect to "#feedback" or to the comment just answered): the messages are
// moved to where the page lands, so that they are seen. (Without JavaScript they stay at the
// top, where they were written.)
(function () {
  function focusSummary() {
    var summary = document.querySelector(".error-summary[autofocus]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }
  function flashesToLanding() {
    var flashes = document.querySelector(".flashes");
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!flashes || !target || target.contains(flashes)) {
      return;
    }
    target.parentNode.insertBefore(flashes, target);
    flashes.scrollIntoView({ block: "start" });
  }
  function onLoad() {
    flashesToLanding();
    focusSummary();
  }
  if (document.readyState === "complete") {
    onLoad();
  } else {
    window.addEventListener("load", onLoad);
  }
})();
