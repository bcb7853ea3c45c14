/* Knowledge-base suggestions beside the new-ticket form (progressive enhancement).
   On a page with an input #id_subject and a container [data-kb-suggestions],
   fetches /kb/suggest/?q= as the person types and lists matching articles.
   Optional attributes on the container: data-heading (list heading),
   data-suggest-url (endpoint). Without JavaScript the form works as before. */
(function () {
  "use strict";
  var input = document.getElementById("id_subject");
  var box = document.querySelector("[data-kb-suggestions]");
  if (!input || !box || !window.fetch) return;

  var endpoint = box.getAttribute("data-suggest-url") || "/kb/suggest/";
  var heading = box.getAttribute("data-heading") || "These articles may answer your question:";
  var timer = null;
  var lastQuery = "";
  var controller = null;

  box.setAttribute("aria-live", "polite");
  box.classList.add("kb-suggestions");

  function render(results) {
    box.textContent = "";
    if (!results.length) return;
    var title = document.createElement("p");
    title.textContent = heading;
    var list = document.createElement("ul");
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = result.title;
      item.appendChild(link);
      if (result.summary) {
        var summary = document.createElement("p");
        summary.textContent = result.summary;
        item.appendChild(summary);
      }
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
  }

  function lookUp() {
    var query = input.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (query.length < 2) { render([]); return; }
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    fetch(endpoint + "?q=" + encodeURIComponent(query), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { render(data.results || []); })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 300);
  });
  if (input.value) lookUp();
})();
