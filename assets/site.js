// Reader aids on every page, no third party: the 长者模式 switch (larger text, higher contrast,
// remembered in localStorage) and wide tables (a hint that they scroll; numbers right-aligned).
// Loaded in <head> without defer so that a remembered 长者模式 applies before the first paint.
(function () {
  "use strict";
  var KEY = "gazette-elder-mode";
  var root = document.documentElement;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }
  function remember(on) {
    try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode */ }
  }
  root.classList.add("js");
  if (remembered()) root.classList.add("elder");

  // a cell whose whole text is a number (1,234 / 56.7 / 12% / -3), unless markdown.py marked it
  var NUMBER = /^[-+]?[\d,，]*\d(\.\d+)?%?$/;

  function setUpToggle() {
    var button = document.querySelector(".elder-toggle");
    if (!button) return;
    function show() {
      var on = root.classList.contains("elder");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "退出长者模式" : "长者模式";
    }
    button.addEventListener("click", function () {
      var on = root.classList.toggle("elder");
      remember(on);
      show();
      checkTables();
    });
    show();
    button.hidden = false;
  }

  function checkTables() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var hint = wrap.previousElementSibling;
      var hasHint = hint && hint.classList.contains("table-hint");
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!hasHint) {
          hint = document.createElement("p");
          hint.className = "table-hint";
          hint.textContent = "表格较宽，可左右滑动或用方向键查看 →";
          wrap.parentNode.insertBefore(hint, wrap);
        }
      } else if (hasHint) {
        hint.parentNode.removeChild(hint);
      }
    }
  }

  // numbers go right; a cell of running text gets a readable width (the table scrolls
  // sideways on a phone instead of squeezing a task to four characters a line)
  function markCells() {
    var cells = document.querySelectorAll(".table-wrap td");
    for (var i = 0; i < cells.length; i++) {
      var text = cells[i].textContent.trim();
      if (NUMBER.test(text)) cells[i].classList.add("num");
      else if (text.length > 24) cells[i].classList.add("prose");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpToggle();
    markCells();
    checkTables();
    function scrolled() {
      root.classList.toggle("scrolled", window.scrollY > window.innerHeight);
    }
    window.addEventListener("scroll", scrolled, { passive: true });
    scrolled();
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(checkTables, 150);
    });
  });
}());
