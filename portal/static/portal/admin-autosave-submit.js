/*
 * Wagtail's admin: a submit sent while an autosave is on its way waits for it.
 *
 * Wagtail 8 autosaves a new page (or snippet) as a draft half a second after the first change,
 * and only when that request answers does the form point at the draft's edit view. A publish
 * or "submit for moderation" clicked in between went to the create view and made a second
 * page with the same title. The submit is held until the autosave has answered, then sent
 * again from the same button, to wherever the form points by then.
 */
(function () {
  "use strict";

  var saving = new WeakSet(); // forms with an autosave on its way
  var held = new WeakMap(); // form -> the submit waiting for it: {submitter: button or null}

  document.addEventListener("w-autosave:save", function (event) {
    if (!event.defaultPrevented && event.target instanceof HTMLFormElement) {
      saving.add(event.target);
    }
  });

  function sameButton(form, submitter) {
    // The answer may have replaced the footer's buttons: find the one with the same name.
    if (!submitter || form.contains(submitter)) return submitter;
    if (!submitter.name) return null;
    var buttons = form.querySelectorAll("button[name], input[type=submit][name]");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].name === submitter.name) return buttons[i];
    }
    return null;
  }

  function send(form, submitter) {
    var button = sameButton(form, submitter);
    if (submitter && !button && submitter.name) {
      var field = document.createElement("input"); // the action the person chose
      field.type = "hidden";
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    if (button) button.disabled = false;
    form.requestSubmit(button || undefined);
  }

  function answered(event) {
    var form = event.target;
    saving.delete(form);
    var waiting = held.get(form);
    if (!waiting) return;
    held.delete(form);
    send(form, waiting.submitter);
  }

  document.addEventListener("w-autosave:success", answered);
  document.addEventListener("w-autosave:error", answered);

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!saving.has(form)) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      held.set(form, { submitter: event.submitter || null });
    },
    true,
  );
})();
