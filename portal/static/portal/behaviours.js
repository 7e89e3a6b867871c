/* Small behaviours of signed-in pages, kept out of the HTML (the CSP allows no inline script). */
(function () {
  "use strict";
  // A read-only address to copy (the calendar subscription): one click selects all of it.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-click")) {
      target.select();
    }
  });
})();
