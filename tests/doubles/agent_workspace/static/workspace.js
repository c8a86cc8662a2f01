// Agent Workspace's shell side of @8x8/pui-partner-comm, for Chromium tests (see app.py).
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var frame = document.getElementById("widget");
  var beside = document.getElementById("beside");
  var state = { log: [], port: null, initialised: false, app: null, queued: [], shell: null };
  var shell = fetch("/shell.json").then(function (r) { return r.json(); }).then(function (s) { state.shell = s; });

  function partnerOrigin() {
    return new URL(frame.src).origin;
  }

  // Hand the partner app a fresh port, as the shell does when the frame has loaded.
  function handOver() {
    var channel = new MessageChannel();
    if (state.port) state.port.close();
    state.port = channel.port1;
    state.initialised = false;
    channel.port1.onmessage = function (event) { shell.then(function () { receive(event.data); }); };
    frame.contentWindow.postMessage("init", partnerOrigin(), [channel.port2]);
    state.log.push({ sent: "init" });
  }

  function send(data) {
    state.port.postMessage(data);
  }

  function respond(request, value) {
    send({ type: "response", message: { namespace: "system", request: request, value: value }, schemaVersion: "1.0.0" });
  }

  function receive(data) {
    if (!data || typeof data !== "object") return;
    if (data.type === "sdk-message") {
      state.log.push({ internal: data.message.name, value: data.message.value });
      if (data.message.name === "setup-complete") {
        send({ type: "sdk-message", message: { name: "versions", value: { mfeVersion: "2.14.0", parentVersion: "5.3.1" } } });
        send({ type: "sdk-message", message: { name: "feature-flags", value: {} } });
      }
      return;
    }
    if (data.type !== "request" || !data.message || data.message.namespace !== "system") {
      state.log.push({ ignored: data });
      return;
    }
    var action = data.message.action;
    state.log.push({ request: action, value: data.message.value });
    switch (action) {
      case "initialise":
        state.app = data.message.value;
        state.initialised = true;
        state.queued.splice(0).forEach(send);
        break;
      case "getContext":
        respond("getContext", { theme: state.shell.theme, locale: state.shell.locale });
        break;
      case "getTheme":
        respond("getTheme", state.shell.theme);
        break;
      case "getLocale":
        respond("getLocale", state.shell.locale);
        break;
      case "getEvents":
        respond("getEvents", state.shell.events);
        break;
      default:
        send({ type: "error", message: { namespace: "system", request: action, value: "not supported" }, schemaVersion: "1.0.0" });
    }
  }

  // An SDK that never got a port asks the shell to initialise it again.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== frame.contentWindow || !data || data.type !== "sdk-message") return;
    if (data.message && data.message.name === "ask-initialisation") {
      state.log.push({ internal: "ask-initialisation", value: data.message.value });
      handOver();
    }
  });

  function emit(eventName, value) {
    var allowed = state.shell && state.shell.events[eventName];
    if (!allowed) return false;  // not on the integration's allowlist: never delivered
    var data = { type: "event", message: { eventName: eventName, value: value }, schemaVersion: "1.0.0" };
    if (state.initialised) send(data); else state.queued.push(data);
    state.log.push({ event: eventName, interactionId: value.interactionId });
    return true;
  }

  window.workspace = {
    log: state.log,
    initialised: function () { return state.initialised; },
    app: function () { return state.app; },
    started: function (id, type) {
      return emit("aw-interaction-started-v1", { interactionId: id, interactionType: type || "phone", direction: "inbound", schemaVersion: "1.0.0" });
    },
    focus: function (id, queueId) {
      return emit("aw-interaction-focus-v3", {
        interactionId: id,
        queue: { id: String(queueId || ""), queueId: queueId || 0, queueName: "" },
        isManual: true,
        schemaVersion: "3.0.0",
      });
    },
    ended: function (id) { return emit("aw-interaction-ended-v1", { interactionId: id, schemaVersion: "1.0.0" }); },
    handOver: handOver,
  };

  frame.addEventListener("load", handOver);
  if (params.get("beside")) beside.src = params.get("beside");
  frame.src = params.get("widget");
})();
