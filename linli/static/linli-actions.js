/* Small page behaviours wired by data- attributes instead of inline handlers (the
   Content-Security-Policy allows no inline script):
   <button data-print>                  prints the page
   <select data-autosubmit>             submits its form when changed */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-print]");
    if (el) { e.preventDefault(); window.print(); }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
})();
