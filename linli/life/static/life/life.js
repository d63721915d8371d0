/* 接龙: <button data-copy="#id"> copies the text of the element #id (a readonly textarea) for the WeChat group. */
(function () {
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-copy]");
    if (!el) { return; }
    var src = document.querySelector(el.getAttribute("data-copy"));
    if (!src) { return; }
    var text = src.value || src.textContent;
    var done = function () { el.textContent = el.getAttribute("data-copied") || "✓"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { src.select(); document.execCommand("copy"); done(); });
    } else { src.select(); document.execCommand("copy"); done(); }
  });
})();
