/* sectorwb's page script, inlined by the sectorwb Voila template into every page.
   Two promises to a team: closing or reloading the page never drops typing
   silently, and a page whose server or kernel is gone says so instead of pretending
   its inputs still work. The kernel decides what is saved; this script only reads
   the save status line (.sectorwb-status) and ipywidgets' disconnected marker. */
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

  new MutationObserver(function (records) {
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
      }
    }
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["class"],
  });

  function connectionLost() {
    if (lost) return;
    lost = true;
    var notSaved = unsaved();
    document.body.classList.add("sectorwb-offline");
    var inputs = document.querySelectorAll("input, textarea, select, button");
    for (var i = 0; i < inputs.length; i++) inputs[i].disabled = true;
    var box = document.createElement("div");
    box.className = "sectorwb-lost";
    box.setAttribute("role", "alert");
    var title = document.createElement("strong");
    title.textContent = "This page lost its connection to the server.";
    var text = document.createElement("p");
    text.textContent =
      "The server stopped or restarted, or this page's session ended, so " +
      "nothing typed here now can be saved. " +
      (notSaved
        ? "Your last changes may not be saved: after reloading, check them and " +
          "type them again if they are missing."
        : "Everything this page showed as saved is safe.");
    var reload = document.createElement("button");
    reload.type = "button";
    reload.textContent = "Reload to continue";
    reload.addEventListener("click", function () {
      window.location.reload();
    });
    box.appendChild(title);
    box.appendChild(text);
    box.appendChild(reload);
    document.body.insertBefore(box, document.body.firstChild);
    reload.focus();
  }

  // A dead server shows no widget as disconnected until the kernel client gives up
  // reconnecting, which takes long; a kernel socket that closes and does not come
  // back within RECONNECT_MS is the earlier sign. The page's own script runs before
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
      });
      socket.addEventListener("close", function () {
        if (opened) openKernelSockets--;
        if (openKernelSockets <= 0 && lostTimer === null) {
          lostTimer = setTimeout(connectionLost, RECONNECT_MS);
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

  // Registered before Voila's own handler, which shuts the page's kernel down on
  // every unload. While typing is unsaved, the browser asks before leaving and the
  // kernel is kept: it writes the change after its pause in typing either way.
  window.addEventListener("beforeunload", function (event) {
    if (lost || !unsaved()) return;
    event.stopImmediatePropagation();
    event.preventDefault();
    event.returnValue = "";
  });
})();
