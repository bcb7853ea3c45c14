// Asks before leaving a page while one of its forms marked data-warn-unsaved has changes
// not saved yet. The profile page's sections each save on their own: saving one must not
// silently drop what was typed in another. Without JavaScript nothing changes.
(function () {
  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (!forms.length) return;
  var sending = null;
  forms.forEach(function (form) {
    var changed = function () { form.dataset.changed = "1"; };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { sending = form; });
  });
  window.addEventListener("beforeunload", function (event) {
    for (var i = 0; i < forms.length; i++) {
      if (forms[i] !== sending && forms[i].dataset.changed) {
        event.preventDefault();
        event.returnValue = "";
        return;
      }
    }
  });
})();
