/*
 * Wagtail's admin without inline scripts (the portal's Content-Security-Policy allows none).
 *
 * Wagtail starts a few widgets from inline <script>s: inline panels, the multiple chooser panel,
 * date, time and date-time inputs (templates/wagtailadmin/ overrides them) and every chooser
 * (portal/site/wagtail_hooks.py replaces its script). Each leaves a hidden element instead,
 * data-controller="portal-..." with the same arguments in data-portal-...-value attributes, and
 * this file makes the same calls:
 * - through Stimulus controllers on Wagtail's own application, for the page as loaded and for
 *   anything inserted later;
 * - at once when an inline panel adds a child form ("w-formset:added"), because the multiple
 *   chooser panel reads the new child's chooser right after adding it, as it could when the
 *   child's inline script ran during the insertion.
 */
(function () {
  "use strict";
  var wagtail = window.wagtail;
  var Stimulus = window.StimulusModule;
  if (!wagtail || !wagtail.app || !Stimulus) return;

  var STARTERS = {
    "portal-inline-panel": function (value) {
      var Panel = value("kind") === "multiple-chooser" ? window.MultipleChooserPanel : window.InlinePanel;
      new Panel(JSON.parse(value("options")));
    },
    "portal-datetime-chooser": function (value) {
      var init = {
        date: window.initDateChooser,
        time: window.initTimeChooser,
        datetime: window.initDateTimeChooser,
      }[value("kind")];
      init(value("input"), JSON.parse(value("config")));
    },
    // {"class": "SnippetChooser", "args": [id, options]} or {"function": ..., "args": [id]}
    "portal-chooser": function (value) {
      var start = JSON.parse(value("start"));
      if (start.class) {
        Reflect.construct(window[start.class], start.args);
      } else {
        window[start.function].apply(window, start.args);
      }
    },
  };

  // Each element starts its widget once, whichever path reaches it first.
  function start(element, identifier) {
    if (element.hasAttribute("data-portal-started")) return;
    element.setAttribute("data-portal-started", "");
    STARTERS[identifier](function (name) {
      return element.getAttribute("data-" + identifier + "-" + name + "-value");
    });
  }

  Object.keys(STARTERS).forEach(function (identifier) {
    class Starter extends Stimulus.Controller {
      connect() {
        start(this.element, this.identifier);
      }
    }
    wagtail.app.register(identifier, Starter);
  });

  document.addEventListener("w-formset:added", function (event) {
    Object.keys(STARTERS).forEach(function (identifier) {
      event.target.querySelectorAll('[data-controller="' + identifier + '"]').forEach(function (element) {
        start(element, identifier);
      });
    });
  });
})();
