// Behaviour the pages share, kept out of the markup so the Content-Security-Policy can
// forbid inline scripts: a <select data-submit-on-change> submits its form when changed.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change")) {
    target.form.submit();
  }
});

// The header on a narrow screen: the navigation and the user menu fold behind one button
// (CSS shows the button only below 700 px; without this script the header wraps instead).
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector(".topbar .nav-toggle");
  if (!toggle) return;
  var bar = toggle.closest(".topbar");
  bar.classList.add("collapsible");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
});
