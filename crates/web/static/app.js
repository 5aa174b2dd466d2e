// DVK progressive enhancement: pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
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
