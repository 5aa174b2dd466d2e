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
  // Date fields show dd/mm/yyyy whatever the browser's language; a
  // calendar button beside each opens the browser's own date picker and
  // writes the day picked back as dd/mm/yyyy.
  document.querySelectorAll("input.date").forEach(function (field) {
    var picker = document.createElement("input");
    picker.type = "date";
    picker.className = "date-picker";
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "date-button";
    button.textContent = "Lịch";
    button.setAttribute("aria-label", "Chọn ngày trên lịch");
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(field.value.trim());
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    button.addEventListener("click", function () {
      var t = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(field.value.trim());
      if (t) picker.value = t[3] + "-" + two(+t[2]) + "-" + two(+t[1]);
      if (picker.showPicker) { picker.showPicker(); } else { picker.focus(); picker.click(); }
    });
    picker.addEventListener("change", function () {
      var p = /^(\d{4})-(\d{2})-(\d{2})$/.exec(picker.value);
      if (p) {
        field.value = p[3] + "/" + p[2] + "/" + p[1];
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    if (m) picker.value = m[3] + "-" + two(+m[2]) + "-" + two(+m[1]);
    var wrap = document.createElement("span");
    wrap.className = "date-wrap";
    field.parentNode.insertBefore(wrap, field);
    wrap.appendChild(field);
    wrap.appendChild(button);
    wrap.appendChild(picker);
  });
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
