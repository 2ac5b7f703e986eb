// Progressive enhancement for the feedback workspace: picking an answer template fills the
// bulk form (which stays editable), and a group's checkbox selects its members.
(function () {
  "use strict";
  var picker = document.querySelector("select[data-fill-target]");
  if (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (!option || !option.value) { return; }
      var disposition = document.getElementById("bulk-disposition");
      var reason = document.getElementById("bulk-reason");
      if (disposition) { disposition.value = option.getAttribute("data-disposition") || ""; }
      if (reason) { reason.value = option.getAttribute("data-reason") || ""; }
    });
  }
  document.querySelectorAll("input.select-group").forEach(function (box) {
    box.addEventListener("change", function () {
      var ids = (box.getAttribute("data-ids") || "").split(",");
      ids.forEach(function (id) {
        var member = document.querySelector('input[name="comment_ids"][value="' + id + '"]');
        if (member) { member.checked = box.checked; }
      });
    });
  });
})();
