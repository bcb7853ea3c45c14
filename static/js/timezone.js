// Pre-selects the browser's time zone on forms that ask for one (sign-up, profile),
// when the field still shows the default. Without JavaScript the field simply stays as it is.
(function () {
  var field = document.querySelector("select[data-browser-time-zone]");
  if (!field || field.value !== "UTC" || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && field.querySelector('option[value="' + zone + '"]')) field.value = zone;
})();
