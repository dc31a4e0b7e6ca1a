// The staff ticket page's desk tools, kept out of the markup (the Content-Security-Policy
// forbids inline script): keyboard shortcuts with their help overlay, the canned-reply
// picker that fills the reply box, the presence state sent with the heartbeat, and the
// confirmation asked before a merge.
(function () {
  "use strict";

  var form = document.getElementById("comment-form");
  var box = form ? form.querySelector("textarea[name=body]") : null;
  var help = document.getElementById("keyboard-help");
  var presence = document.getElementById("presence");
  var noteMode = false;
  var lastInserted = "";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function setMode(note) {
    noteMode = note;
    if (!form) return;
    form.classList.toggle("note-mode", note);
    if (box) box.focus();
  }

  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) {
      var close = help.querySelector("[data-kbd-close]");
      if (close) close.focus();
    }
  }

  function send() {
    if (!form) return;
    var selector = noteMode ? "button[name=send][value=note]" : "button[name=send][value=reply]";
    var button = form.querySelector(selector);
    if (button) button.click();
  }

  function go(attribute) {
    if (help && help.getAttribute(attribute)) window.location.href = help.getAttribute(attribute);
  }

  // Presence: "replying" while the reply box holds text, else "viewing"; a change is sent at
  // once rather than with the next beat.
  var presenceState = "viewing";
  function updatePresence() {
    if (!presence || !box) return;
    var state = box.value.trim() ? "replying" : "viewing";
    if (state === presenceState) return;
    presenceState = state;
    var input = document.querySelector("#presence-state input[name=state]");
    if (input) input.value = state;
    if (window.htmx) window.htmx.trigger(presence, "presence-changed");
  }
  if (box) box.addEventListener("input", updatePresence);

  // Canned replies: the chosen one goes into the reply box (replacing what the picker put
  // there before, appended to what the agent wrote), and the form says which one it was.
  function insertCanned(select) {
    if (!form || !box) return;
    var option = select.options[select.selectedIndex];
    var hidden = form.querySelector("input[name=canned_reply]");
    if (!hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "canned_reply";
      form.appendChild(hidden);
    }
    if (!option || !option.value) {
      hidden.value = "";
      return;
    }
    var text = option.getAttribute("data-text") || "";
    var current = box.value;
    if (!current.trim() || current === lastInserted) {
      box.value = text;
    } else {
      box.value = current.replace(/\s+$/, "") + "\n\n" + text;
    }
    lastInserted = box.value;
    hidden.value = option.value;
    updatePresence();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-canned-select")) {
      insertCanned(target);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-kbd-toggle]")) toggleHelp();
    else if (target.closest("[data-kbd-close]")) toggleHelp(false);
    else if (target === help) toggleHelp(false);
  });

  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (target instanceof HTMLFormElement && target.hasAttribute("data-confirm")) {
      if (!window.confirm(target.getAttribute("data-confirm"))) event.preventDefault();
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && target === box) {
      event.preventDefault();
      send();
      return;
    }
    if (event.key === "Escape") {
      if (help && !help.hidden) toggleHelp(false);
      else if (typing(target)) target.blur();
      return;
    }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (help && !help.hidden && event.key !== "?") return;
    var select;
    switch (event.key) {
      case "?":
        toggleHelp();
        break;
      case "j":
        go("data-next-url");
        break;
      case "k":
        go("data-previous-url");
        break;
      case "q":
        go("data-queue-url");
        break;
      case "r":
        setMode(false);
        break;
      case "n":
        setMode(true);
        break;
      case "c":
        select = document.querySelector("[data-canned-select]");
        if (select) select.focus();
        break;
      case "a":
        var take = document.querySelector("form.take-form");
        if (take) take.requestSubmit();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
