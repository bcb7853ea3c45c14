// Progressive enhancement for the survey pages: when the page was opened from a rating link
// in an email, send that rating at once (the page's GET records nothing), then let the person
// add a comment with the normal form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey-autosubmit='true']");
  if (!form || !window.fetch) return;
  var chosen = form.querySelector("input[type=radio]:checked");
  if (!chosen) return;
  var data = new FormData(form);
  fetch(form.action || window.location.href, {
    method: "POST",
    body: data,
    credentials: "same-origin",
    headers: { "X-Survey-Autosubmit": "1" },
  }).then(function (response) {
    if (!response.ok) return;
    var status = form.querySelector(".survey-status");
    if (status) status.textContent = status.getAttribute("data-saved-text");
    form.setAttribute("data-survey-autosubmit", "done");
  });
})();
