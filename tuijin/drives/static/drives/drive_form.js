// The launch form: "add a row" clones the formset's empty form and bumps TOTAL_FORMS.
(function () {
  "use strict";
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-add-row");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) {
        return;
      }
      var template = document.getElementById(prefix + "-empty");
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.getElementById(prefix + "-rows");
      var box = document.createElement(holder.tagName === "TBODY" ? "tbody" : "div");
      box.innerHTML = html;
      var row = box.firstElementChild;
      var number = row.querySelector(".row-number");
      if (number) {
        number.textContent = String(index + 1);
      }
      holder.appendChild(row);
      total.value = String(index + 1);
    });
  });
})();
