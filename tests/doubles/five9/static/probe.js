// An SDK client that records what it is told, for the double's own test.
(function () {
  var api = window.Five9.CrmSdk.interactionApi();
  var seen = { events: [], metadata: null, cavs: {}, errors: [] };
  window.probe = seen;
  api.getMetadata().then(function (metadata) { seen.metadata = metadata; });
  function record(reason) {
    return function (payload) {
      var data = payload.callData || payload.chatData || payload.emailData || {};
      seen.events.push({ reason: reason, interactionId: data.interactionId });
      api.getCav({ interactionId: data.interactionId }).then(
        function (cavs) { seen.cavs[data.interactionId] = cavs; },
        function (error) { seen.errors.push(error); }
      );
    };
  }
  var callbacks = {};
  ["callStarted", "callAccepted", "callEnded", "callFinished", "chatOffered", "chatAccepted",
   "chatEnded", "chatFinished", "objectSelected"].forEach(function (reason) {
    callbacks[reason] = record(reason);
  });
  api.subscribe(callbacks);
})();
