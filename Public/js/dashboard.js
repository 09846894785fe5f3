// 指挥中心大屏: keeps the board current. A case created, changed or gone overdue in this area
// (server-sent events from /events) makes the page fetch its board again within a second; the
// board is also refreshed every minute in case the connection dropped unnoticed.
(function () {
  var board = document.getElementById("board");
  var live = document.getElementById("bs-live");
  var clock = document.getElementById("bs-clock");
  function tick() {
    var d = new Date();
    clock.textContent = d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }
  tick(); window.setInterval(tick, 1000);
  if (!board || !window.fetch) return;
  var url = board.getAttribute("data-board");
  var pending = null, seen = {};
  function remember() {
    board.querySelectorAll("#bs-latest a").forEach(function (a) { seen[a.getAttribute("href")] = true; });
  }
  function refresh() {
    pending = null;
    var before = {};
    board.querySelectorAll("[data-figure]").forEach(function (b) { before[b.getAttribute("data-figure")] = b.textContent; });
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        board.innerHTML = html;
        board.querySelectorAll("[data-figure]").forEach(function (b) {
          if (before[b.getAttribute("data-figure")] !== b.textContent) b.parentNode.classList.add("flash");
        });
        board.querySelectorAll("#bs-latest a").forEach(function (a) {
          if (!seen[a.getAttribute("href")]) a.parentNode.classList.add("new");
        });
        remember();
      }).catch(function () {});
  }
  function soon() { if (!pending) pending = window.setTimeout(refresh, 400); }
  remember();
  if (window.EventSource) {
    var source = new EventSource(board.dataset.events);  // the path comes from the page (SiteURL)
    ["created", "changed", "overdue"].forEach(function (kind) { source.addEventListener(kind, soon); });
    source.onopen = function () { live.classList.remove("off"); live.textContent = "● 实时"; };
    source.onerror = function () { live.classList.add("off"); live.textContent = "● 重连中"; };
    window.addEventListener("beforeunload", function () { source.close(); });
  }
  window.setInterval(refresh, 60000);
})();
