// The Five9 agent desktop's side of the CRM SDK messaging, for Chromium tests (protocols.md
// 4.1): a page SDK clients connect to by broadcasting `asking_connect`; it answers `connect`
// with a MessageChannel port, then serves requests and sends interaction events over it.
// Packets are `{iframeName, message, sender}`; requests `{id, request: {objectId, verb,
// attrName, args}}`, answers `{id, response}` or `{id, error}`, events `{event: {objectId,
// name, data}}`. What it plays comes from /scenario.json (recorded-shape callData/chatData).
(function () {
  "use strict";
  var CHANNEL = "intrx_plugin_";
  var name = "master_" + CHANNEL + "-" + Math.random().toString(16).slice(2, 10);
  var state = { log: [], clients: [], scenario: null, played: 0, finished: {} };
  var ready = fetch("/scenario.json").then(function (r) { return r.json(); }).then(function (s) {
    state.scenario = s;
  });

  function pack(message) {
    return { iframeName: CHANNEL, message: message, sender: name };
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.iframeName !== CHANNEL) return;
    if (data.message !== "asking_connect" || typeof data.sender !== "string") return;
    state.log.push({ via: "window", message: "asking_connect", sender: data.sender });
    var channel = new MessageChannel();
    var client = { sender: data.sender, port: channel.port1, connected: false };
    state.clients = state.clients.filter(function (c) { return c.sender !== data.sender; });
    state.clients.push(client);
    channel.port1.onmessage = function (e) { onPacket(client, e.data); };
    event.source.postMessage(pack("connect"), event.origin, [channel.port2]);
  });

  function onPacket(client, data) {
    if (!data || data.iframeName !== CHANNEL || data.sender !== client.sender) return;
    var message = data.message;
    if (typeof message === "string") {
      state.log.push({ via: "port", message: message });
      if (message.indexOf("connected:") === 0) client.connected = true;
      return;
    }
    if (message && message.request) {
      state.log.push({ via: "port", request: message.request.attrName });
      ready.then(function () { answer(client, message.id, message.request); });
    }
  }

  function answer(client, id, request) {
    var result = handle(request);
    var reply = result.error !== undefined ? { id: id, error: result.error } : { id: id, response: result.response };
    client.port.postMessage(pack(reply));
  }

  function handle(request) {
    var scenario = state.scenario;
    if (request.objectId !== "interactionApi") return { error: "Not Implemented: '" + request.attrName + "'" };
    switch (request.attrName) {
      case "getApplicationContext":
        return { response: scenario.context };
      case "getCav":
        // After *Finished the interaction's data is gone (the SDK's JSDoc says so).
        var id = request.args && request.args.interactionId;
        var cavs = state.finished[id] ? undefined : scenario.cavs[id];
        return cavs ? { response: cavs } : { error: { errorCode: "InteractionNotFound" } };
      case "updateWebSocketSubscriptions":
        return { response: null };
      default:
        return { error: "Not Implemented: '" + request.attrName + "' method was not registered" };
    }
  }

  function emit(reason, payload) {
    var event = { objectId: "interactionApi", name: "interactionEvent", data: { reason: reason, payload: payload } };
    state.clients.forEach(function (client) {
      if (client.connected) client.port.postMessage(pack({ event: event }));
    });
    state.log.push({ via: "event", reason: reason });
    var data = payload && (payload.callData || payload.chatData || payload.emailData);
    if (data && /Finished$/.test(reason)) state.finished[data.interactionId] = true;
  }

  window.five9Double = {
    log: state.log,
    ready: ready,
    connected: function () { return state.clients.some(function (c) { return c.connected; }); },
    // Plays the scenario's next `count` events (all that are left by default).
    play: function (count) {
      return ready.then(function () {
        var events = state.scenario.events;
        var end = count === undefined ? events.length : Math.min(events.length, state.played + count);
        for (; state.played < end; state.played++) emit(events[state.played].reason, events[state.played].payload);
        return state.played;
      });
    },
    emit: emit,
  };
})();
