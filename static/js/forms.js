// A refused form opens with its error summary focused, so that a screen reader reads it and
// Tab goes on to the links to each field. (`autofocus` alone is not enough: a page opened at
// a fragment, as the comment form's is, skips autofocus; and the fragment's scrolling at
// "load" must be over, so the focus is given then.)
(function () {
  function focusSummary() {
    var summary = document.querySelector(".error-summary[autofocus]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }
  if (document.readyState === "complete") {
    focusSummary();
  } else {
    window.addEventListener("load", focusSummary);
  }
})();
