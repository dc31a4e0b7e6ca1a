// Triage queue: "Save these filters as a view" saves the filters as they are now (they may
// have changed through htmx since the page was rendered).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var source = form.getAttribute && form.getAttribute("data-copy-filters");
  if (!source) {
    return;
  }
  var filters = document.getElementById(source);
  var query = form.querySelector("input[name=query]");
  if (filters && query) {
    var data = new URLSearchParams(new FormData(filters));
    data.delete("after");
    query.value = data.toString();
  }
});
