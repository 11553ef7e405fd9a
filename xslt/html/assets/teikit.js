/* teikit.js: progressive enhancement only; every page works without it.
   Remembers the chosen text view (reading / as printed) across pages.
   No inline handlers, no network, nothing but localStorage. */
(function () {
  "use strict";
  var KEY = "teikit.view";

  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* storage disabled */ }
  }

  function restore() {
    var value = null;
    try { value = window.localStorage.getItem(KEY); } catch (e) { return; }
    var input = value && document.getElementById("tk-view-" + value);
    if (input && input.type === "radio") { input.checked = true; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    restore();
    var inputs = document.querySelectorAll("input.tk-view-input");
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () {
        if (input.checked) { store(input.value); }
      });
    });
  });
}());
