/* While the organiser fills a meeting form, ask who would clash and say so above the submit
 * button, before anything is saved or sent. The form carries `data-conflicts` (the API
 * address) and, when a meeting is being changed, `data-meeting-id`; the sentences come from
 * the page, in its language, on the live region (`data-conflicts-region`). Loaded as a file:
 * the CSP allows no inline script. The warning after saving stays as the safety net. */
(function () {
  "use strict";

  var WAIT_MS = 400;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  // "2026-12-03T10:00:00+08:00" -> "2026-12-03 10:00": the server answers in Beijing time.
  function when(iso) {
    return iso.slice(0, 10) + " " + iso.slice(11, 16);
  }

  function span(clash) {
    var start = when(clash.start);
    var end = when(clash.end);
    return {
      start: start,
      end: end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end,
    };
  }

  // The site's notice styles (portal/static/portal/site.css); an empty region takes no room.
  var LOOK = { idle: "", free: " notice", failed: " notice", clash: " notice notice--warning" };

  function ids(data, name) {
    return data
      .getAll(name)
      .map(function (value) {
        return parseInt(value, 10);
      })
      .filter(function (value) {
        return value > 0;
      });
  }

  function watch(form) {
    var region = form.querySelector("[data-conflicts-region]");
    if (!region) {
      return;
    }
    var texts = region.dataset;
    var timer = null;
    var asked = 0;
    var controller = null;
    var lastBody = null;

    function show(heading, lines, state) {
      region.textContent = "";
      region.setAttribute("data-state", state);
      region.className = "conflicts" + LOOK[state];
      if (heading) {
        var p = document.createElement("p");
        p.textContent = heading;
        region.appendChild(p);
      }
      if (lines.length) {
        var list = document.createElement("ul");
        lines.forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          list.appendChild(item);
        });
        region.appendChild(list);
      }
    }

    function clear() {
      lastBody = null;
      show("", [], "idle");
    }

    function answered(body) {
      if (!body.clashes.length) {
        show(fill(texts.free, { count: String(body.checked) }), [], "free");
        return;
      }
      show(
        texts.heading,
        body.clashes.map(function (clash) {
          var values = span(clash);
          values.name = clash.name;
          if (clash.title) {
            values.title = clash.title;
            return fill(texts.titled, values);
          }
          return fill(texts.busy, values);
        }),
        "clash"
      );
    }

    function check() {
      var data = new FormData(form);
      var start = data.get("start");
      var end = data.get("end");
      if (!start || !end) {
        clear();
        return;
      }
      var payload = {
        start: start,
        end: end,
        participant_ids: ids(data, "participants"),
        department_ids: ids(data, "departments"),
      };
      if (form.dataset.meetingId) {
        payload.meeting_id = parseInt(form.dataset.meetingId, 10);
      }
      var body = JSON.stringify(payload);
      if (body === lastBody) {
        return;
      }
      lastBody = body;
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var mine = ++asked;
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      region.setAttribute("aria-busy", "true");
      fetch(form.dataset.conflicts, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token ? token.value : "",
        },
        body: body,
        signal: controller.signal,
      })
        .then(function (response) {
          if (mine !== asked) {
            return;
          }
          if (response.status === 422) {
            // A time the form itself will refuse (end before start, outside the window):
            // the form says why when it is sent; nothing to check until then.
            show("", [], "idle");
            return;
          }
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json().then(function (answer) {
            if (mine === asked) {
              answered(answer);
            }
          });
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          if (mine === asked) {
            lastBody = null; // try again on the next change
            show(texts.failed, [], "failed");
          }
        })
        .then(function () {
          if (mine === asked) {
            region.removeAttribute("aria-busy");
          }
        });
    }

    // Any change may be one of the watched values (a picker widget may set them without an
    // event of its own on them); the same question twice is asked once (`lastBody`).
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, WAIT_MS);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // A form shown again after a refusal (or an edit form) has values already; a form in a
    // closed section is checked when it is opened.
    var section = form.closest("details");
    if (section && !section.open) {
      section.addEventListener("toggle", function opened() {
        if (section.open) {
          section.removeEventListener("toggle", opened);
          check();
        }
      });
    } else {
      check();
    }
  }

  function start() {
    document.querySelectorAll("form[data-conflicts]").forEach(watch);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
