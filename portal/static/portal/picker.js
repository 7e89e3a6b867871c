/* Pickers (portal/widgets.py): a filter box over a grouped list of checkboxes or radio buttons,
   a line saying what is chosen, and selects that tick a preset in a picker (an industry and its
   standard approval items). Without this script the lists work as plain grouped checkboxes.
   Loaded through the form's media; the CSP allows no inline script. */
(function () {
  "use strict";

  function norm(text) {
    return (text || "").normalize("NFKC").toLowerCase();
  }

  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function inputsOf(picker) {
    return Array.prototype.slice.call(
      picker.querySelectorAll("[data-picker-option] input")
    );
  }

  // What the chosen entries bring along (prerequisites of approval items), by value.
  function closure(picker, chosen) {
    var requires = {};
    inputsOf(picker).forEach(function (input) {
      var ids = (input.getAttribute("data-requires") || "").split(/\s+/).filter(Boolean);
      requires[input.value] = ids;
    });
    var seen = {};
    var queue = chosen.slice();
    while (queue.length) {
      var value = queue.pop();
      if (seen[value]) continue;
      seen[value] = true;
      (requires[value] || []).forEach(function (id) { queue.push(id); });
    }
    return Object.keys(seen).length;
  }

  function describeChoice(picker) {
    var status = picker.querySelector("[data-picker-status]");
    if (!status) return;
    var chosen = inputsOf(picker).filter(function (input) {
      return input.checked && input.value !== "";
    });
    if (!chosen.length) {
      status.textContent = picker.getAttribute("data-text-none") || "";
      return;
    }
    var names = chosen.map(function (input) {
      return input.closest("[data-picker-option]").getAttribute("data-short");
    });
    var separator = picker.getAttribute("data-text-separator") || ", ";
    var shown = names.slice(0, 8).join(separator) + (names.length > 8 ? separator + "…" : "");
    var text = fill(picker.getAttribute("data-text-chosen"), { count: chosen.length, names: shown });
    var closureText = picker.getAttribute("data-text-closure");
    if (closureText) {
      var total = closure(picker, chosen.map(function (input) { return input.value; }));
      if (total > chosen.length) text += " " + fill(closureText, { total: total });
    }
    status.textContent = text;
  }

  function applyFilter(picker, query) {
    var terms = norm(query).split(/\s+/).filter(Boolean);
    var options = picker.querySelectorAll("[data-picker-option]");
    var shown = 0;
    var total = 0;
    Array.prototype.forEach.call(options, function (option) {
      if (option.hasAttribute("data-picker-empty")) return; // "nobody" stays in sight
      total += 1;
      var text = option.getAttribute("data-search") || "";
      var match = terms.every(function (term) { return text.indexOf(term) !== -1; });
      option.hidden = !match;
      if (match) shown += 1;
    });
    Array.prototype.forEach.call(picker.querySelectorAll("[data-picker-group]"), function (group) {
      group.hidden = !group.querySelector("[data-picker-option]:not([hidden])");
    });
    var nothing = picker.querySelector("[data-picker-nothing]");
    if (nothing) nothing.hidden = shown > 0;
    var count = picker.querySelector("[data-picker-count]");
    if (count) {
      count.textContent = terms.length
        ? fill(picker.getAttribute("data-text-shown"), { shown: shown, total: total })
        : "";
    }
    return Array.prototype.filter.call(options, function (option) {
      return !option.hidden && !option.hasAttribute("data-picker-empty");
    });
  }

  function setUp(picker) {
    if (picker.hasAttribute("data-picker-ready")) return;
    picker.setAttribute("data-picker-ready", "");
    var tools = picker.querySelector("[data-picker-tools]");
    var filter = picker.querySelector("[data-picker-filter]");
    if (tools && filter) {
      tools.hidden = false;
      var count = document.createElement("span");
      count.className = "picker__count";
      count.setAttribute("data-picker-count", "");
      count.setAttribute("aria-live", "polite");
      tools.appendChild(count);
      filter.addEventListener("input", function () { applyFilter(picker, filter.value); });
      filter.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          // Enter in the filter never sends the form; with one entry left it picks that entry.
          event.preventDefault();
          var left = applyFilter(picker, filter.value);
          if (left.length === 1) {
            var input = left[0].querySelector("input");
            if (input.type === "radio") input.checked = true;
            else input.checked = !input.checked;
            input.dispatchEvent(new Event("change", { bubbles: true }));
          }
        } else if (event.key === "Escape" && filter.value) {
          event.preventDefault();
          filter.value = "";
          applyFilter(picker, "");
        }
      });
    }
    picker.addEventListener("change", function (event) {
      // A tick the person gives or takes is theirs, no longer the preset's.
      if (event.isTrusted && event.target instanceof HTMLInputElement) {
        event.target.removeAttribute("data-preset-ticked");
      }
      describeChoice(picker);
    });
    describeChoice(picker);
  }

  function pickerFor(select) {
    var form = select.form || document;
    var name = select.getAttribute("data-picker-preset");
    return form.querySelector('[data-picker][data-picker-name="' + name + '"]');
  }

  function applyPreset(select) {
    var picker = pickerFor(select);
    if (!picker) return;
    var option = select.options[select.selectedIndex];
    var wanted = ((option && option.getAttribute("data-preset")) || "").split(/\s+/).filter(Boolean);
    // Ticks the previous choice made (and nobody touched since) go; the new set is ticked.
    Array.prototype.forEach.call(picker.querySelectorAll("input[data-preset-ticked]"), function (input) {
      input.checked = false;
      input.removeAttribute("data-preset-ticked");
    });
    var ticked = 0;
    inputsOf(picker).forEach(function (input) {
      if (wanted.indexOf(input.value) !== -1) {
        ticked += 1;
        if (!input.checked) {
          input.checked = true;
          input.setAttribute("data-preset-ticked", "");
        }
      }
    });
    var note = select.parentNode.querySelector("[data-picker-preset-note]");
    if (note) {
      note.textContent = wanted.length
        ? fill(note.getAttribute("data-text"), {
          count: ticked,
          name: option.getAttribute("data-preset-name") || option.textContent.trim()
        })
        : "";
    }
    describeChoice(picker);
  }

  function setUpPreset(select) {
    if (select.hasAttribute("data-picker-ready")) return;
    select.setAttribute("data-picker-ready", "");
    var form = select.form || document;
    // The page ticks the set itself: the server-side "add the set too" would add back what the
    // person unticked, so it is switched off and out of sight.
    Array.prototype.forEach.call(
      form.querySelectorAll("[data-picker-preset-fallback]"),
      function (fallback) {
        fallback.checked = false;
        var field = fallback.closest(".field") || fallback.parentNode;
        field.hidden = true;
      }
    );
    select.addEventListener("change", function () { applyPreset(select); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), setUp);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-picker-preset]"), setUpPreset);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
