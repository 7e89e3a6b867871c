/* The supervision board, live: one websocket; when a card or case event arrives (staff hear
 * every project's internal stream, helpers their projects'), the board's lists are fetched
 * again and swapped in. Other events pass by: the board does not move for a comment.
 * A reconnection refreshes too, since events may have been missed while offline. */
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-board]");
  if (!regions.length || !("WebSocket" in window)) return;
  var textsNode = document.getElementById("live-texts");
  var texts = textsNode ? JSON.parse(textsNode.textContent) : { status: {} };
  var statusNode = document.getElementById("live-status");
  var noticeNode = document.getElementById("live-notice");
  var watched = /^(card\.|case\.|project\.case_step$)/;
  var socket = null;
  var attempt = 0;
  var stopped = false;
  var timer = null;
  var lastMessageAt = Date.now();
  var refreshed = 0;
  var seen = {};

  function setStatus(state) {
    if (!statusNode) return;
    statusNode.setAttribute("data-state", state);
    statusNode.textContent = (texts.status && texts.status[state]) || state;
  }

  function notice(event) {
    if (!noticeNode || !event.text) return;
    var lang = (document.documentElement.lang || "").toLowerCase();
    var sentence = event.text[lang] || event.text[lang.split("-")[0]];
    if (!sentence) return;
    var item = document.createElement("p");
    item.textContent = sentence;
    noticeNode.appendChild(item);
    while (noticeNode.childNodes.length > 3) noticeNode.removeChild(noticeNode.firstChild);
    setTimeout(function () { if (item.parentNode) item.parentNode.removeChild(item); }, 8000);
  }

  function refresh() {
    timer = null;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var current = document.querySelectorAll("[data-board]");
        for (var i = 0; i < current.length; i++) {
          var key = current[i].getAttribute("data-board");
          var replacement = fresh.querySelector('[data-board="' + key + '"]');
          if (replacement) current[i].replaceWith(document.importNode(replacement, true));
        }
        refreshed += 1;
        document.dispatchEvent(new CustomEvent("board:refreshed"));
      })
      .catch(function () { /* the next event or reconnection tries again */ });
  }

  function schedule() {
    if (timer === null) timer = setTimeout(refresh, 300);
  }

  function onMessage(message) {
    lastMessageAt = Date.now();
    var data;
    try { data = JSON.parse(message.data); } catch (e) { return; }
    if (data.type === "event" && watched.test(data.event || "")) {
      var id = data.stream + "#" + data.seq;
      if (seen[id]) return;
      seen[id] = true;
      notice(data);
      schedule();
    } else if (data.type === "resync") {
      schedule();
    }
  }

  function connect() {
    if (stopped) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/events/");
    socket.onopen = function () {
      var resumed = attempt > 0;
      attempt = 0;
      lastMessageAt = Date.now();
      setStatus("live");
      socket.send(JSON.stringify({ type: "resume", after: {} }));
      if (resumed) schedule();
    };
    socket.onmessage = onMessage;
    socket.onclose = function (closeEvent) {
      socket = null;
      if (closeEvent.code === 4001 || closeEvent.code === 4401 || closeEvent.code === 4403) {
        stopped = true;
        setStatus("offline");
        return;
      }
      setStatus("reconnecting");
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.75 + Math.random() * 0.5);
      attempt += 1;
      setTimeout(connect, delay);
    };
  }

  setInterval(function () {
    if (socket && socket.readyState === 1 && Date.now() - lastMessageAt > 60000) socket.close();
  }, 10000);
  window.addEventListener("online", function () { if (!socket) connect(); });
  window.supervisionBoard = {
    refreshed: function () { return refreshed; },
    status: function () { return statusNode ? statusNode.getAttribute("data-state") : null; },
  };
  connect();
})();
