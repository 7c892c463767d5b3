// 驾驶舱: turn to the next domain every 20 s (pausable, also by keyboard) and reload
// every few minutes. Where it was and whether it was paused survive the reload.
(function () {
  "use strict";
  var body = document.body;
  var panels = Array.prototype.slice.call(document.querySelectorAll("[data-domain-panel]"));
  var tabs = Array.prototype.slice.call(document.querySelectorAll("[data-domain-tab]"));
  var pause = document.getElementById("screen-pause");
  var rotateMs = parseInt(body.dataset.rotate, 10) || 20000;
  var refreshMs = parseInt(body.dataset.refresh, 10) || 300000;
  var store = window.sessionStorage;
  var current = parseInt(store.getItem("screen-domain") || "0", 10) % (panels.length || 1);
  var paused = store.getItem("screen-paused") === "1";
  var timer = null;

  function show(index) {
    current = (index + panels.length) % panels.length;
    panels.forEach(function (panel, i) { panel.hidden = i !== current; });
    tabs.forEach(function (tab, i) { tab.setAttribute("aria-current", i === current ? "true" : "false"); });
    body.dataset.domain = String(current);
    store.setItem("screen-domain", String(current));
  }

  function schedule() {
    window.clearInterval(timer);
    if (!paused) timer = window.setInterval(function () { show(current + 1); }, rotateMs);
  }

  function setPaused(value) {
    paused = value;
    store.setItem("screen-paused", paused ? "1" : "0");
    pause.setAttribute("aria-pressed", paused ? "true" : "false");
    pause.textContent = paused ? "继续轮播" : "暂停轮播";
    schedule();
  }

  if (!panels.length) return;
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { show(i); schedule(); });
  });
  pause.addEventListener("click", function () { setPaused(!paused); });
  document.addEventListener("keydown", function (e) {
    if (e.target.closest && e.target.closest("button, a")) return;  // their own keys
    if (e.key === " " || e.key === "p") { e.preventDefault(); setPaused(!paused); }
    if (e.key === "ArrowRight") { show(current + 1); schedule(); }
    if (e.key === "ArrowLeft") { show(current - 1); schedule(); }
  });
  show(current);
  setPaused(paused);
  window.setTimeout(function () { window.location.reload(); }, refreshMs);
})();
