/*
 * Wagtail's admin, accessible where Wagtail leaves a gap: inputs it builds without a name.
 *
 * - The tag field (jQuery tag-it, started by Wagtail's w-tag controller) hides the labelled
 *   input and types into a new one that has no label.
 * - A rich-text editor (Draftail) inside a StreamField block is a textbox with no name: the
 *   block has only a heading (its type, "正文"), no label.
 * A screen reader announced both as an unnamed text box. Each takes the name of the label of the
 * field it stands for, else of its block's type, for the page as loaded and for anything added
 * later (inline panels, new blocks).
 */
(function () {
  "use strict";

  var UNNAMED = ":not([aria-label]):not([aria-labelledby])";

  function labelText(id) {
    var label = id && document.querySelector('label[for="' + id + '"]');
    return label ? label.textContent.replace(/\*/g, "").trim() : "";
  }

  function name(input, text) {
    if (text) input.setAttribute("aria-label", text);
  }

  function nameUnnamedInputs() {
    document.querySelectorAll("ul.tagit input" + UNNAMED).forEach(function (input) {
      var original = input.closest("ul.tagit").previousElementSibling;
      name(input, labelText(original && original.id));
    });
    document.querySelectorAll('.Draftail-Editor [role="textbox"]' + UNNAMED).forEach(function (box) {
      var wrapper = box.closest(".Draftail-Editor__wrapper");
      var hidden = wrapper && wrapper.parentElement.querySelector('input[type="hidden"][id]');
      var text = labelText(hidden && hidden.id);
      if (!text) {
        var panel = box.closest(".w-panel");
        var type = panel && panel.querySelector(".c-sf-block__type");
        text = type ? type.textContent.trim() : "";
      }
      name(box, text);
    });
  }

  // After every change, before the browser paints it (two attribute queries: cheap).
  new MutationObserver(nameUnnamedInputs).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  document.addEventListener("DOMContentLoaded", nameUnnamedInputs);
})();
