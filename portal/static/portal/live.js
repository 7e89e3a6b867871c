/* Live updates for the portal's pages: one websocket per tab, no dependencies.
 *
 * The page says which regions are live ([data-live]) and, where it shows streams, the last
 * seq it rendered of each (data-streams="project:12=41,project:12:internal=7"). The script
 * resumes from those cursors, so nothing that happened after the page was rendered is missed,
 * and on every event re-renders the live regions from the server (the server computes
 * colours, days left and timelines; the browser only swaps the HTML), shows a short notice
 * of what changed and by whom, and says whether it is live, reconnecting or offline.
 */
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-live]");
  var textsNode = document.getElementById("live-texts");
  // The header's unread count: every signed-in page listens for the person's own stream.
  var badge = document.getElementById("notification-badge");
  if ((!regions.length && !badge) || !textsNode || !("WebSocket" in window)) return;
  var texts = JSON.parse(textsNode.textContent);
  var cursors = {};
  var socket = null;
  var attempt = 0;
  var stopped = false;
  var refreshTimer = null;
  var lastMessageAt = Date.now();
  var statusNode = document.getElementById("live-status");
  var noticeNode = document.getElementById("live-notice");

  function readCursors(root) {
    var nodes = root.querySelectorAll("[data-streams]");
    for (var i = 0; i < nodes.length; i++) {
      var pairs = (nodes[i].getAttribute("data-streams") || "").split(",");
      for (var j = 0; j < pairs.length; j++) {
        var kv = pairs[j].split("=");
        if (kv.length === 2 && kv[0]) {
          var seq = parseInt(kv[1], 10);
          if (!(kv[0] in cursors) || cursors[kv[0]] < seq) cursors[kv[0]] = seq;
        }
      }
    }
  }

  function setStatus(state) {
    if (!statusNode) return;
    statusNode.setAttribute("data-state", state);
    statusNode.textContent = texts.status[state] || state;
  }

  function notice(message) {
    if (!noticeNode) return;
    var item = document.createElement("p");
    item.textContent = message;
    noticeNode.appendChild(item);
    while (noticeNode.childNodes.length > 3) noticeNode.removeChild(noticeNode.firstChild);
    setTimeout(function () {
      if (item.parentNode) item.parentNode.removeChild(item);
    }, 8000);
  }

  // The server words each event in every language (portal.streams.event_texts), the same
  // sentence the pages show; the label is only a fallback for a message without one.
  function describe(event) {
    var lang = (document.documentElement.lang || "").toLowerCase();
    if (event.text && typeof event.text === "object") {
      var sentence = event.text[lang] || event.text[lang.split("-")[0]];
      if (sentence) return sentence;
    }
    var who = (event.data && event.data.actor_name) || texts.system;
    return who + " " + (texts.events[event.event] || "");
  }

  function busy(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      return true;
    }
    var fields = region.querySelectorAll("textarea, input[type=text], input[type=file], input[type=date]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) return true;
    }
    return region.querySelector("input[type=checkbox]:checked, input[type=radio]:checked") !== null;
  }

  function refresh() {
    refreshTimer = null;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var current = document.querySelectorAll("[data-live]");
        for (var i = 0; i < current.length; i++) {
          var key = current[i].getAttribute("data-live");
          var replacement = fresh.querySelector('[data-live="' + key + '"]');
          if (replacement && !busy(current[i])) {
            current[i].replaceWith(document.importNode(replacement, true));
          }
        }
        readCursors(document);
        document.dispatchEvent(new CustomEvent("live:refreshed"));
      })
      .catch(function () { /* the next event or reconnection tries again */ });
  }

  function scheduleRefresh() {
    if (refreshTimer === null) refreshTimer = setTimeout(refresh, 250);
  }

  function setUnread(count) {
    if (!badge || typeof count !== "number") return;
    badge.setAttribute("data-unread", String(count));
    var number = badge.querySelector("[data-count]");
    if (number) number.textContent = String(count);
    if (count > 0) badge.removeAttribute("hidden");
    else badge.setAttribute("hidden", "");
  }

  function onMessage(message) {
    lastMessageAt = Date.now();
    var data;
    try { data = JSON.parse(message.data); } catch (e) { return; }
    if (data.type === "event") {
      if (data.stream in cursors && data.seq <= cursors[data.stream]) return; // seen
      cursors[data.stream] = data.seq;
      var own = typeof data.stream === "string" && data.stream.indexOf("user:") === 0;
      if (own && (data.event === "notification.added" || data.event === "notification.read")) {
        setUnread(data.data && data.data.unread);
        if (data.event === "notification.read") {
          if (regions.length) scheduleRefresh();
          return;
        }
      }
      // A page without live regions hears only the person's own stream.
      if (!regions.length && !own) return;
      notice(describe(data));
      if (regions.length) scheduleRefresh();
    } else if (data.type === "unread") {
      setUnread(data.count);
    } else if (data.type === "resync") {
      delete cursors[data.stream];
      if (regions.length) scheduleRefresh();
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
      // With the badge, the server says how many are unread now: what came while away.
      socket.send(JSON.stringify({ type: "resume", after: cursors, unread: !!badge }));
      if (resumed && regions.length) scheduleRefresh();
    };
    socket.onmessage = onMessage;
    socket.onclose = function (closeEvent) {
      socket = null;
      // Signed out, deactivated or never signed in: do not knock again.
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

  // A socket silent for two heartbeats is dead even if the browser has not noticed.
  setInterval(function () {
    if (socket && socket.readyState === 1 && Date.now() - lastMessageAt > 60000) socket.close();
  }, 10000);
  window.addEventListener("offline", function () { setStatus("offline"); });
  window.addEventListener("online", function () { if (!socket) connect(); });

  readCursors(document);
  window.portalLive = { cursors: cursors, status: function () {
    return statusNode ? statusNode.getAttribute("data-state") : null;
  } };
  connect();
})();
