// DVK progressive enhancement: pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // After a refused submit, focus goes to the summary of what to fix, so
  // a screen reader reads it and the keyboard starts from there.
  var summary = document.querySelector("main .alert[role=alert]");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
  // Show the individual's items only when the subject is "individual".
  var subject = document.getElementById("subject");
  var person = document.getElementById("person");
  if (subject && person && person.dataset.subject) {
    var sync = function () {
      person.classList.toggle("hidden-by-js", subject.value !== person.dataset.subject);
    };
    subject.addEventListener("change", sync);
    sync();
  }
  // Running weighted total on the score sheet, as the member types.
  var sheet = document.getElementById("score-form");
  var total = document.getElementById("running-total");
  if (sheet && total) {
    var inputs = sheet.querySelectorAll("input.points");
    var update = function () {
      var sum = 0, weights = 0, complete = true;
      inputs.forEach(function (i) {
        var w = parseFloat(i.dataset.weight), max = parseFloat(i.dataset.max);
        var v = parseFloat(i.value.replace(",", "."));
        weights += w;
        if (isNaN(v) || v < 0 || v > max) { complete = false; } else { sum += w * v / max; }
      });
      total.textContent = complete && weights > 0
        ? (Math.round(sum / weights * 1000) / 10).toString().replace(".", ",") + "%"
        : "chưa đủ điểm";
    };
    inputs.forEach(function (i) { i.addEventListener("input", update); });
  }
  // Ask before withdrawing an entry: it cannot be undone.
  document.querySelectorAll("form.action").forEach(function (form) {
    var action = form.querySelector("input[name=action]");
    if (action && action.value === "withdraw") {
      form.addEventListener("submit", function (e) {
        if (!window.confirm("Rút đăng ký? Thao tác này không hoàn tác được.")) e.preventDefault();
      });
    }
  });
})();
