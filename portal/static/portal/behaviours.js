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

  // Collapsed sections (the approvals on a project page): the ones a person opened stay open
  // when they come back, and a link to one (#approval-12) opens it.
  var STORE = "portal.open-details.";
  function remembered(key) {
    try {
      return JSON.parse(window.localStorage.getItem(STORE + key) || "[]");
    } catch (error) {
      return [];
    }
  }
  function remember(key, ids) {
    try {
      window.localStorage.setItem(STORE + key, JSON.stringify(ids.slice(-200)));
    } catch (error) {
      /* private mode or full storage: the page still works, it just forgets */
    }
  }
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS" && !target.open) {
      target.open = true;
      target.scrollIntoView();
    }
  }
  function restore() {
    // Again after a live refresh: opening one already open changes nothing.
    document.querySelectorAll("details[data-remember]").forEach(function (details) {
      if (remembered(details.getAttribute("data-remember")).indexOf(details.id) !== -1) {
        details.open = true;
      }
    });
  }
  // Listened to from the start, not from when the page has loaded: a section opened while the
  // page was still coming in is remembered too.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.id) return;
    var key = details.getAttribute("data-remember");
    if (!key) return;
    var ids = remembered(key).filter(function (id) {
      return id !== details.id;
    });
    if (details.open) {
      ids.push(details.id);
    }
    remember(key, ids);
  }, true);
  // A timeline wider than the screen opens at today, not at its oldest approvals.
  function timelinesAtToday() {
    document.querySelectorAll(".timeline__wrap").forEach(function (wrap) {
      var today = wrap.querySelector("line.today");
      if (!today || wrap.scrollWidth <= wrap.clientWidth) return;
      var x = parseFloat(today.getAttribute("x1")) || 0;
      wrap.scrollLeft = Math.max(0, x - wrap.clientWidth / 2);
    });
  }
  function start() {
    restore();
    openTarget();
    timelinesAtToday();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // A live update replaces the regions: what was open stays open.
  document.addEventListener("live:refreshed", function () {
    restore();
    timelinesAtToday();
  });
  window.addEventListener("hashchange", openTarget);
})();
