/*
 * Wagtail's admin without inline scripts (the portal's Content-Security-Policy allows none).
 *
 * templates/wagtailadmin/ overrides the few Wagtail templates that start their JavaScript from an
 * inline <script> (inline panels, the multiple chooser panel, the date, time and date-time inputs).
 * Each leaves a hidden element with the same arguments in data attributes instead; these Stimulus
 * controllers (on Wagtail's own Stimulus application) make the same calls. Stimulus also starts
 * the ones an inline panel adds later (a new child form with a date input).
 */
(function () {
  "use strict";
  var wagtail = window.wagtail;
  var Stimulus = window.StimulusModule;
  if (!wagtail || !wagtail.app || !Stimulus) return;

  // Each element starts its widget once, even if Stimulus reconnects it (a child form moved).
  function once(element) {
    if (element.hasAttribute("data-portal-started")) return false;
    element.setAttribute("data-portal-started", "");
    return true;
  }

  class InlinePanelController extends Stimulus.Controller {
    connect() {
      if (!once(this.element)) return;
      var Panel = this.kindValue === "multiple-chooser" ? window.MultipleChooserPanel : window.InlinePanel;
      new Panel(this.optionsValue);
    }
  }
  InlinePanelController.values = { kind: String, options: Object };

  var CHOOSERS = {
    date: "initDateChooser",
    time: "initTimeChooser",
    datetime: "initDateTimeChooser",
  };

  class DateTimeChooserController extends Stimulus.Controller {
    connect() {
      if (!once(this.element)) return;
      window[CHOOSERS[this.kindValue]](this.inputValue, this.configValue);
    }
  }
  DateTimeChooserController.values = { kind: String, input: String, config: Object };

  // A chooser (page, snippet, document, image, task): {"class" or "function", "args"}, as
  // portal/site/wagtail_hooks.py wrote it from the widget.
  class ChooserController extends Stimulus.Controller {
    connect() {
      if (!once(this.element)) return;
      var start = this.startValue;
      if (start.class) {
        Reflect.construct(window[start.class], start.args);
      } else {
        window[start.function].apply(window, start.args);
      }
    }
  }
  ChooserController.values = { start: Object };

  wagtail.app.register("portal-chooser", ChooserController);
  wagtail.app.register("portal-inline-panel", InlinePanelController);
  wagtail.app.register("portal-datetime-chooser", DateTimeChooserController);
})();
