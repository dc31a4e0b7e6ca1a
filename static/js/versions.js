// Portal request form: the version list offers the chosen product's versions only (the
// server still refuses a mismatch). Versions are grouped by product name (<optgroup>).
document.addEventListener("DOMContentLoaded", function () {
  var product = document.getElementById("id_product");
  var version = document.getElementById("id_product_version");
  if (!product || !version) {
    return;
  }
  function sync() {
    var name = product.value ? product.options[product.selectedIndex].text : "";
    version.querySelectorAll("optgroup").forEach(function (group) {
      var shown = !name || group.label === name;
      group.hidden = !shown;
      group.disabled = !shown;
    });
    var chosen = version.options[version.selectedIndex];
    if (chosen && chosen.parentNode.disabled) {
      version.value = "";
    }
  }
  product.addEventListener("change", sync);
  sync();
});
