/* The project page's parts on demand: an approval's checklist and forms, the timeline's chart
 * and the earlier events are fetched when the reader opens them (a <details data-src>), so the
 * page itself stays small. Without script each placeholder is a link to the part's own page.
 *
 * Works with the portal's scripts, unchanged: behaviours.js opens remembered details and the
 * one a link (#approval-12) points to, and opening fires "toggle", which loads the part here;
 * live.js swaps the page's live regions after an event (closed placeholders again), then
 * behaviours.js re-opens what was open, and each part is fetched afresh. The last copy of
 * each part is put in place at once meanwhile, so an open card does not blink.
 */
(function () {
  "use strict";
  var cache = {}; // data-part -> the HTML last fetched
  var pending = {}; // pathname -> {details: [], params: []}
  var timer = null;

  function fill(details, html) {
    var part = details.querySelector(":scope > .lazy-body, :scope > [data-part]");
    if (!part) return;
    var key = part.getAttribute("data-part");
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var replacement = fresh.querySelector('[data-part="' + key + '"]');
    if (!replacement) return;
    cache[key] = html;
    var node = document.importNode(replacement, true);
    node.classList.add("lazy-body");
    part.replaceWith(node);
    details.setAttribute("data-loaded", "");
    timelineAtToday(details);
  }

  function busy(details) {
    var active = document.activeElement;
    if (active && details.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      return true;
    }
    var fields = details.querySelectorAll("textarea, input[type=text], input[type=file], input[type=date]");
    for (var i = 0; i < fields.length; i++) if (fields[i].value) return true;
    return details.querySelector("input[type=checkbox]:checked, input[type=radio]:checked") !== null;
  }

  // A timeline wider than the screen opens at today (as behaviours.js does for the page's own).
  function timelineAtToday(root) {
    var wrap = root.querySelector(".timeline__wrap");
    if (!wrap) return;
    var today = wrap.querySelector("line.today");
    if (!today || wrap.scrollWidth <= wrap.clientWidth) return;
    var x = parseFloat(today.getAttribute("x1")) || 0;
    wrap.scrollLeft = Math.max(0, x - wrap.clientWidth / 2);
  }

  function flush() {
    timer = null;
    var batches = pending;
    pending = {};
    Object.keys(batches).forEach(function (path) {
      var batch = batches[path];
      var query = batch.params.filter(function (p) { return p; });
      query.push("fragment=1");
      fetch(path + "?" + query.join("&"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          batch.details.forEach(function (details) {
            if (details.isConnected) fill(details, html);
          });
        })
        .catch(function () { /* the link in the placeholder still leads to the part */ })
        .then(function () {
          batch.details.forEach(function (details) { details.removeAttribute("data-loading"); });
        });
    });
  }

  function load(details) {
    if (details.hasAttribute("data-loaded") || details.hasAttribute("data-loading")) return;
    var part = details.querySelector(":scope > .lazy-body");
    var key = part && part.getAttribute("data-part");
    if (key && cache[key]) fill(details, cache[key]);
    details.removeAttribute("data-loaded");
    details.setAttribute("data-loading", "");
    var url = new URL(details.getAttribute("data-src"), window.location.href);
    var batch = pending[url.pathname] || (pending[url.pathname] = { details: [], params: [] });
    batch.details.push(details);
    batch.params.push(url.search.slice(1));
    if (timer === null) timer = setTimeout(flush, 20);
  }

  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details instanceof HTMLDetailsElement && details.open && details.hasAttribute("data-src")) {
      load(details);
    }
  }, true);

  function loadOpen() {
    document.querySelectorAll("details[data-src][open]").forEach(load);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadOpen);
  } else {
    loadOpen();
  }

  // After live.js swapped the regions: fetch again each open part it did not replace (a card
  // whose region was busy keeps what the person is typing).
  document.addEventListener("live:refreshed", function () {
    document.querySelectorAll("details[data-src][data-loaded][open]").forEach(function (details) {
      if (busy(details)) return;
      details.removeAttribute("data-loaded");
      load(details);
    });
  });
})();
