// Importing a file of comments: two small conveniences over pages that work without them.
// 1. A file over the limit is refused before it is sent (the server refuses it too).
// 2. A job's page follows the job's progress in place, instead of reloading itself every few
//    seconds as it does without JavaScript (<noscript> refresh); it reloads once the job is done.
(function () {
  document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var input = form.querySelector("input[type=file]");
    if (!input || !limit) {
      return;
    }
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      var old = form.querySelector("[data-size-error]");
      if (old) {
        old.remove();
      }
      if (file && file.size > limit) {
        event.preventDefault();
        var message = document.createElement("p");
        message.className = "error";
        message.id = input.id + "-size-error";
        message.setAttribute("data-size-error", "");
        message.setAttribute("role", "alert");
        message.textContent = form.getAttribute("data-too-big");
        input.insertAdjacentElement("afterend", message);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", message.id);
        input.focus();
      }
    });
  });

  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var status = box.getAttribute("data-status");
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 3;
  var text = box.querySelector("[data-progress-text]");
  var bar = box.querySelector("[data-progress-bar]");
  function look() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (progress) {
        if (!progress) {
          return;
        }
        if (progress.status !== status) {
          window.location.reload();
          return;
        }
        if (bar && progress.total) {
          bar.max = progress.total;
          bar.value = progress.checked;
        }
        if (text && progress.total) {
          text.textContent = text
            .getAttribute("data-progress-text")
            .replace("{done}", progress.checked.toLocaleString("en"))
            .replace("{total}", progress.total.toLocaleString("en"));
        }
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(look, seconds * 1000);
      });
  }
  window.setTimeout(look, seconds * 1000);
})();
