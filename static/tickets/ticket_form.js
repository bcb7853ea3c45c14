// Shows only the extra questions of the chosen category, and guards against double submits.
(function () {
  var select = document.getElementById("id_category");
  var groups = document.querySelectorAll(".category-fields");
  var slugs = {};
  if (select) {
    Array.prototype.forEach.call(select.options, function (option) {
      slugs[option.value] = option.getAttribute("data-slug");
    });
  }
  function update() {
    var slug = select ? slugs[select.value] : null;
    groups.forEach(function (group) {
      group.hidden = group.getAttribute("data-category") !== slug;
    });
  }
  if (select) {
    select.addEventListener("change", update);
    update();
  }
  var form = document.querySelector(".ticket-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-busy", "true"); }
    });
  }
})();
