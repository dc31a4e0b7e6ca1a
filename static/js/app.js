// Behaviour the pages share, kept out of the markup so the Content-Security-Policy can
// forbid inline scripts: a <select data-submit-on-change> submits its form when changed.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change")) {
    target.form.submit();
  }
});
