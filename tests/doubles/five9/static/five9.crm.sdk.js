// A stand-in for Five9's CRM SDK, served only by the test double (never shipped): the SDK
// client's side of the messaging in host.js, written from protocols.md 4.1, exposing the part
// of the documented API the widget uses: Five9.CrmSdk.interactionApi() with subscribe(),
// getCav() and getMetadata(). The real SDK is loaded from Five9 in production.
(function () {
  "use strict";
  var VERSION = "double";
  var TIMEOUT_MS = 5000;
  var RETRIES = 3;

  function client(channelName) {
    var name = "remote_" + channelName + "-" + Math.random().toString(16).slice(2, 10);
    var port = null;
    var counter = 0;
    var pending = {};
    var listeners = [];
    var resolveConnected;
    var connected = new Promise(function (resolve) { resolveConnected = resolve; });

    function pack(message) {
      return { iframeName: channelName, message: message, sender: name };
    }

    function askConnect() {
      var seen = [];
      var target = window;
      for (;;) {
        [target].concat(Array.prototype.slice.call(framesOf(target))).forEach(function (frame) {
          if (seen.indexOf(frame) >= 0) return;
          seen.push(frame);
          try { frame.postMessage(pack("asking_connect"), "*"); } catch (err) { /* closed frame */ }
        });
        if (target.parent === target) break;
        target = target.parent;
      }
    }

    function framesOf(target) {
      var frames = [];
      try {
        for (var i = 0; i < target.frames.length; i++) frames.push(target.frames[i]);
      } catch (err) { /* cross-origin */ }
      return frames;
    }

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (!data || data.iframeName !== channelName || data.sender === name) return;
      if (data.message !== "connect" || !event.ports || !event.ports[0]) return;
      if (port) port.close();
      port = event.ports[0];
      port.onmessage = onPacket;
      port.postMessage(pack("connected::" + name + ":" + VERSION));
      resolveConnected();
    });

    function onPacket(event) {
      var data = event.data;
      if (!data || data.iframeName !== channelName || data.sender === name) return;
      var message = data.message;
      if (!message || typeof message !== "object") return;
      if (message.event) {
        listeners.forEach(function (listener) { listener(message.event); });
      } else if (message.id && pending[message.id]) {
        var waiting = pending[message.id];
        delete pending[message.id];
        if (message.error !== undefined) waiting.reject(message.error);
        else waiting.resolve(message.response);
      }
    }

    function connect(attempt) {
      askConnect();
      var timer = setTimeout(function () {
        if (attempt + 1 < RETRIES) connect(attempt + 1);
      }, TIMEOUT_MS);
      connected.then(function () { clearTimeout(timer); });
    }
    connect(0);

    return {
      request: function (objectId, attrName, args) {
        return connected.then(function () {
          var id = name + "#" + (++counter);
          return new Promise(function (resolve, reject) {
            pending[id] = { resolve: resolve, reject: reject };
            port.postMessage(pack({ id: id, request: { objectId: objectId, verb: "post", attrName: attrName, args: args } }));
          });
        });
      },
      onEvent: function (listener) { listeners.push(listener); },
    };
  }

  var interactions = null;
  function interactionApi() {
    if (interactions) return interactions;
    var channel = client("intrx_plugin_");
    channel.request("interactionApi", "updateWebSocketSubscriptions", []);
    interactions = {
      subscribe: function (callbacks) {
        channel.onEvent(function (event) {
          if (event.objectId !== "interactionApi" || event.name !== "interactionEvent") return;
          var params = event.data;
          var callback = callbacks[params.reason];
          if (typeof callback === "function") callback.call(callbacks, params.payload);
        });
      },
      getCav: function (params) { return channel.request("interactionApi", "getCav", params); },
      getMetadata: function () {
        return channel.request("interactionApi", "getApplicationContext").then(function (config) {
          return { agentId: config.agentId, tenantId: config.tenantId };
        });
      },
    };
    return interactions;
  }

  window.Five9 = window.Five9 || {};
  window.Five9.CrmSdk = {
    interactionApi: interactionApi,
    ApiErrorCode: { Generic: "Generic", InteractionNotFound: "InteractionNotFound", NoData: "NoData" },
  };
})();
