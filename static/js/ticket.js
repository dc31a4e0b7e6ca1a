// Ticket page action bar: a step that needs a comment opens the comment box (and puts the
// cursor in it) instead of sending an empty comment to be refused by the server.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-needs-comment]");
  if (!button || !button.form) {
    return;
  }
  var comment = button.form.querySelector("textarea[name=comment]");
  if (comment && !comment.value.trim()) {
    event.preventDefault();
    var box = comment.closest("details");
    if (box) {
      box.open = true;
    }
    comment.focus();
  }
});
