// Another partner app in the same Agent Workspace: it reaches the widget's frame through its
// parent and tries to hand the widget's SDK a port of its own, then speak for the workspace.
(function () {
  "use strict";
  var heard = [];
  var port = null;
  window.beside = {
    heard: heard,
    intrude: function () {
      var channel = new MessageChannel();
      port = channel.port1;
      port.onmessage = function (event) { heard.push(event.data); };
      window.parent.frames[0].postMessage("init", "*", [channel.port2]);
    },
    focus: function (id) {
      if (!port) return;
      port.postMessage({ type: "event", message: { eventName: "aw-interaction-focus-v3", value: { interactionId: id, schemaVersion: "3.0.0" } }, schemaVersion: "1.0.0" });
    },
  };
})();
