/* sectorwb's page script, inlined by the sectorwb Voila template into every page.
   Two promises to a team: closing or reloading the page never drops typing
   silently, and a page whose server or kernel is gone says so instead of pretending
   its inputs still work. The kernel decides what is saved; this script only reads
   the save status line (.sectorwb-status) and ipywidgets' disconnected marker.
   It also does what the widgets cannot from the kernel: keeps the save status in
   view, names the tab after the page and its team, names radio groups and the
   tables' buttons for screen readers, saves a made download at once,
   prints text boxes as their text, and passes the console grid's clicks on. */
(function () {
  "use strict";
  var lastInput = 0; // when the team last typed or clicked a choice
  var lastStatus = 0; // when the kernel last updated the save status
  var lost = false;

  function status() {
    return document.querySelector(".sectorwb-status");
  }

  // Typing that the kernel has not yet answered with a new status may still be on
  // its way; a status of "Saving…" or "Not saved" is unsaved by definition.
  function unsaved() {
    var line = status();
    // No line, or a read-only store (its line says typing is not kept): nothing
    // to wait for.
    if (!line || line.classList.contains("sectorwb-readonly")) return false;
    if (
      line.classList.contains("sectorwb-pending") ||
      line.classList.contains("sectorwb-failed")
    ) {
      return true;
    }
    return lastInput > lastStatus;
  }

  function typed() {
    lastInput = Date.now();
  }
  document.addEventListener("input", typed, true);
  document.addEventListener("change", typed, true);

  function touchesStatus(node) {
    return (
      node.nodeType === 1 &&
      (node.matches(".sectorwb-status") || node.querySelector(".sectorwb-status"))
    );
  }

  // Another laptop changed answers this page worked on: the notices (widgets at the
  // top of the form) scroll away, so a bar in the window says so and leads to them.
  var conflictBar = null;
  function followConflicts() {
    var count = document.querySelectorAll(".sectorwb-conflict").length;
    if (!count || lost) {
      if (conflictBar) conflictBar.parentNode.removeChild(conflictBar);
      conflictBar = null;
      return;
    }
    if (!conflictBar) {
      conflictBar = document.createElement("div");
      conflictBar.className = "sectorwb-conflict-bar";
      conflictBar.setAttribute("role", "status");
      conflictBar.appendChild(document.createElement("span"));
      var go = document.createElement("button");
      go.type = "button";
      go.textContent = "Show";
      go.addEventListener("click", function () {
        var box = document.querySelector(".sectorwb-conflicts");
        if (box) box.scrollIntoView({ block: "start" });
      });
      conflictBar.appendChild(go);
      document.body.appendChild(conflictBar);
    }
    var text =
      "Another laptop changed " +
      (count === 1 ? "an answer" : count + " answers") +
      " you worked on: choose which version to keep.";
    // Only a real change: writing the text is a mutation this observer sees.
    if (conflictBar.children[0].textContent !== text) {
      conflictBar.children[0].textContent = text;
    }
  }

  // A download button's file arrives as a link: save it at once, so one click on
  // the button downloads (the link stays, for a browser that blocked this).
  function saveNewFiles(node) {
    if (node.nodeType !== 1) return;
    var links = node.matches("a[data-sectorwb-auto]")
      ? [node]
      : node.querySelectorAll("a[data-sectorwb-auto]");
    for (var k = 0; k < links.length; k++) {
      if (links[k].hasAttribute("data-sectorwb-saved")) continue;
      links[k].setAttribute("data-sectorwb-saved", "");
      links[k].click();
    }
  }

  // The save status line sits at the end of a long form; a copy of it stays in a
  // corner of the window, so "saved" (with its time) is always in view.
  var badge = null;
  function followStatus() {
    var line = status();
    if (!line) {
      if (badge) badge.parentNode.removeChild(badge);
      badge = null;
      return;
    }
    if (!badge) {
      badge = document.createElement("div");
      badge.setAttribute("aria-hidden", "true"); // the line itself is announced
      document.body.appendChild(badge);
    }
    var cls = "sectorwb-status-badge " + line.className.replace("sectorwb-status", "");
    // Only a real change: writing is a mutation this observer sees.
    if (badge.className !== cls) badge.className = cls;
    if (badge.textContent !== line.textContent) badge.textContent = line.textContent;
  }

  // ipywidgets draws a choice question as radios named only "Yes" / "No": make
  // the radios a group named by the question, and name a yes/no question's notes
  // box after the question too (every one of them is labelled "Notes"); likewise
  // the buttons every table has.
  function nameGroups() {
    var boxes = document.querySelectorAll(".widget-radio > .widget-radio-box:not([role])");
    for (var k = 0; k < boxes.length; k++) {
      var label = boxes[k].parentNode.querySelector(".widget-label");
      if (!label) continue;
      boxes[k].setAttribute("role", "radiogroup");
      boxes[k].setAttribute("aria-label", label.textContent);
    }
    var notes = document.querySelectorAll(".sectorwb-notes textarea:not([aria-label])");
    for (var n = 0; n < notes.length; n++) {
      var field = notes[n].closest(".sectorwb-field");
      var question = field && field.querySelector(".widget-radio > .widget-label");
      var said = notes[n].closest(".sectorwb-notes").querySelector(".widget-label");
      if (question && said) {
        notes[n].setAttribute("aria-label", said.textContent + ": " + question.textContent);
      }
    }
    // A download box's line ("Making…", "… is ready. Save …"): a live region from
    // the start, so what arrives in it is announced.
    var lines = document.querySelectorAll(".sectorwb-download-status:not([role])");
    for (var d = 0; d < lines.length; d++) lines[d].setAttribute("role", "status");
    // Every table has its "Add a row" (and a long one its pager): each is named
    // after its table too, the words it shows first (a spoken command still works).
    var buttons = document.querySelectorAll(
      ".sectorwb-add-row:not([aria-label]), .sectorwb-pager button:not([aria-label])"
    );
    for (var b = 0; b < buttons.length; b++) {
      var table = buttons[b].closest(".sectorwb-field");
      var named = table && table.querySelector("[data-sectorwb-name]");
      if (named) {
        buttons[b].setAttribute(
          "aria-label",
          buttons[b].textContent.trim() + ": " + named.getAttribute("data-sectorwb-name")
        );
      }
    }
  }

  new MutationObserver(function (records) {
    // The page's content is its main landmark (Voila's template names none).
    var cells = document.getElementById("rendered_cells");
    if (cells && !cells.hasAttribute("role")) cells.setAttribute("role", "main");
    // The tab's title names the team once the kernel knows it (its team line says).
    var titled = document.querySelector("[data-sectorwb-title]");
    var title = titled && titled.getAttribute("data-sectorwb-title");
    if (title && document.title !== title) document.title = title;
    followConflicts();
    followStatus();
    nameGroups();
    for (var i = 0; i < records.length; i++) {
      var r = records[i];
      if (r.type === "attributes") {
        if (r.target.classList.contains("jupyter-widgets-disconnected")) {
          connectionLost();
        }
        continue;
      }
      for (var j = 0; j < r.addedNodes.length; j++) {
        if (touchesStatus(r.addedNodes[j])) lastStatus = Date.now();
        saveNewFiles(r.addedNodes[j]);
      }
    }
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["class"],
  });

  var paused = null; // while a closed kernel socket may still come back
  var banner = null;
  var disabledHere = []; // inputs this script disabled (given back on reconnect)

  function savedLine(notSaved) {
    return notSaved
      ? "Your last changes may not be saved: after reloading, check them and type " +
          "them again if they are missing."
      : "Everything this page showed as saved is safe.";
  }

  function stopInputs() {
    document.body.classList.add("sectorwb-offline");
    var inputs = document.querySelectorAll("input, textarea, select, button");
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].disabled && !(banner && banner.contains(inputs[i]))) {
        inputs[i].disabled = true;
        disabledHere.push(inputs[i]);
      }
    }
  }

  function showBanner(title, text) {
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "sectorwb-lost";
      banner.setAttribute("role", "alert");
      banner.appendChild(document.createElement("strong"));
      banner.appendChild(document.createElement("p"));
      var reload = document.createElement("button");
      reload.type = "button";
      reload.textContent = "Reload to continue";
      reload.addEventListener("click", function () {
        window.location.reload();
      });
      banner.appendChild(reload);
      document.body.insertBefore(banner, document.body.firstChild);
    }
    banner.children[0].textContent = title;
    banner.children[1].textContent = text;
  }

  // The kernel socket closed: typing stops at once, since nothing typed now could
  // reach the kernel; if the socket comes back (a Wi-Fi blip), everything resumes.
  function interrupted() {
    if (lost || paused) return;
    paused = { notSaved: unsaved() };
    showBanner(
      "The connection to the server was interrupted. Reconnecting…",
      "Typing is paused: nothing typed now could be saved. " +
        savedLine(paused.notSaved)
    );
    stopInputs();
  }

  function reconnected() {
    if (lost || !paused) return;
    paused = null;
    banner.parentNode.removeChild(banner);
    banner = null;
    document.body.classList.remove("sectorwb-offline");
    for (var i = 0; i < disabledHere.length; i++) disabledHere[i].disabled = false;
    disabledHere = [];
  }

  function connectionLost() {
    if (lost) return;
    var notSaved = paused ? paused.notSaved : unsaved();
    lost = true;
    paused = null;
    showBanner(
      "This page lost its connection to the server.",
      "The server stopped or restarted, or this page's session ended, so nothing " +
        "typed here now can be saved. " +
        savedLine(notSaved)
    );
    stopInputs();
    banner.querySelector("button").focus();
  }

  // A dead server shows no widget as disconnected until the kernel client gives up
  // reconnecting, which takes long; a kernel socket that closes is the earlier sign:
  // typing pauses at once, and the page is lost if it does not come back within
  // RECONNECT_MS. The page's own script runs before
  // Voila's, so every kernel socket is made through this wrapper.
  var RECONNECT_MS = 6000;
  var NativeWebSocket = window.WebSocket;
  var openKernelSockets = 0;
  var lostTimer = null;
  function TrackedWebSocket(url, protocols) {
    var socket =
      protocols === undefined
        ? new NativeWebSocket(url)
        : new NativeWebSocket(url, protocols);
    if (/\/api\/kernels\//.test(String(url))) {
      var opened = false;
      socket.addEventListener("open", function () {
        opened = true;
        openKernelSockets++;
        clearTimeout(lostTimer);
        lostTimer = null;
        reconnected();
      });
      socket.addEventListener("close", function () {
        if (opened) openKernelSockets--;
        if (openKernelSockets <= 0) {
          interrupted();
          if (lostTimer === null) lostTimer = setTimeout(connectionLost, RECONNECT_MS);
        }
      });
    }
    return socket;
  }
  TrackedWebSocket.prototype = NativeWebSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) {
    TrackedWebSocket[name] = NativeWebSocket[name];
  });
  window.WebSocket = TrackedWebSocket;

  // The trainer console: its grid is one HTML widget of buttons (one model for 40
  // teams x 14 worksheets instead of 560). A click writes the cell into the hidden
  // text box the kernel watches, which opens that team's worksheet. Its full-screen
  // buttons put their projector view on the whole screen.
  document.addEventListener("click", function (event) {
    var cell = event.target.closest && event.target.closest(".sectorwb-gridcell");
    if (cell) {
      var box = document.querySelector(".sectorwb-console-open input");
      if (!box) return;
      box.value = JSON.stringify({
        team: cell.getAttribute("data-team"),
        worksheet: cell.getAttribute("data-worksheet"),
        at: Date.now(), // the same cell twice is still a change
      });
      box.dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    var full = event.target.closest && event.target.closest(".sectorwb-fullscreen");
    var view = full && full.closest(".sectorwb-projector");
    if (view && view.requestFullscreen) {
      if (document.fullscreenElement) document.exitFullscreen();
      else view.requestFullscreen();
    }
  });

  // Printing: a text box prints only what fits in it, so each box is printed as
  // its text (the copies go when printing ends; the kernel never sees them).
  window.addEventListener("beforeprint", function () {
    var boxes = document.querySelectorAll(
      ".sectorwb-page input[type=text], .sectorwb-page textarea, .sectorwb-page select"
    );
    for (var k = 0; k < boxes.length; k++) {
      var box = boxes[k];
      var copy = document.createElement("div");
      copy.className = "sectorwb-print-text";
      copy.textContent =
        box.tagName === "SELECT"
          ? (box.options[box.selectedIndex] || { text: "" }).text
          : box.value;
      box.classList.add("sectorwb-print-hidden");
      box.parentNode.insertBefore(copy, box.nextSibling);
    }
  });
  window.addEventListener("afterprint", function () {
    var copies = document.querySelectorAll(".sectorwb-print-text");
    for (var k = 0; k < copies.length; k++) copies[k].parentNode.removeChild(copies[k]);
    var hidden = document.querySelectorAll(".sectorwb-print-hidden");
    for (var n = 0; n < hidden.length; n++) hidden[n].classList.remove("sectorwb-print-hidden");
  });

  // Registered before Voila's own handler, which shuts the page's kernel down on
  // every unload. While typing is unsaved, the browser asks before leaving and the
  // kernel is kept: it writes the change after its pause in typing either way.
  window.addEventListener("beforeunload", function (event) {
    if (lost || paused || !unsaved()) return;
    event.stopImmediatePropagation();
    event.preventDefault();
    event.returnValue = "";
  });
})();
