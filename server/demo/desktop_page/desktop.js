// The simulated agent desktop of `cuecard demo`. It frames the widget page for its platform,
// naming its own origin in the URL (the server checks it), and plays demo conversations into
// the widget over postMessage: each host message goes to the widget's exact origin, the way
// Salesforce, Five9 or 8x8 hand a framed app the conversation. It reads only messages the
// widget frame posts from that origin: `widget.ready`, and `desktop.action` (send a card's
// text to the customer), which it answers with `desktop.action.result`.
"use strict";

const GAP_BETWEEN_CONVERSATIONS_MS = 4000;
const lines = document.getElementById("chat-lines");
const title = document.getElementById("chat-title");
const status = document.getElementById("chat-status");
const frame = document.getElementById("widget");
// The widget is served by this same server.
const widgetOrigin = window.location.origin;

let current = null; // {conversation_id, queue, played: [message], ended}
let playing = false;
let sentByAgent = 0;

function sleep(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

function show(speaker, text) {
  const item = document.createElement("li");
  item.className = `line line--${speaker}`;
  item.dataset.testid = "desktop-line";
  const who = document.createElement("span");
  who.className = "line__speaker";
  who.textContent = speaker;
  const said = document.createElement("span");
  said.textContent = text;
  item.append(who, said);
  lines.append(item);
}

function toWidget(message) {
  frame.contentWindow.postMessage(message, widgetOrigin);
}

function play(message) {
  current.played.push(message);
  if (message.type === "line") {
    show(message.speaker, message.text);
  } else if (message.type === "hold" || message.type === "resume") {
    status.textContent = message.type === "hold" ? "On hold" : "";
  } else if (message.type === "conversation.ended") {
    status.textContent = "Conversation ended";
    current.ended = true;
  }
  toWidget(message);
}

async function playForever() {
  for (;;) {
    const response = await fetch("conversations/next", { cache: "no-store" });
    if (response.status === 204) {
      status.textContent = "Every demo conversation was played (cuecard demo --once)";
      return;
    }
    const conversation = await response.json();
    lines.replaceChildren();
    title.textContent = conversation.title;
    status.textContent = "";
    const first = conversation.messages[0]?.message;
    current = { conversation_id: conversation.conversation_id, queue: first?.queue, played: [], ended: false };
    for (const { delay_ms: delay, message } of conversation.messages) {
      await sleep(delay);
      play(message);
    }
    await sleep(GAP_BETWEEN_CONVERSATIONS_MS);
  }
}

function sendText(action) {
  if (current === null || current.ended || action.conversation_id !== current.conversation_id) {
    return { ok: false, message: "That conversation is no longer open on the desktop" };
  }
  sentByAgent += 1;
  // The desktop reports what the agent sent, as it reports every line.
  play({
    type: "line",
    id: `agent-${sentByAgent}`,
    conversation_id: current.conversation_id,
    occurred_at: new Date().toISOString(),
    queue: current.queue,
    speaker: "agent",
    text: action.text,
  });
  return { ok: true };
}

function fromWidget(event) {
  if (event.source !== frame.contentWindow || event.origin !== widgetOrigin) {
    return;
  }
  const data = event.data;
  if (typeof data !== "object" || data === null || data.source !== "cuecard") {
    return;
  }
  if (data.type === "widget.ready") {
    if (playing) {
      // A reloaded widget hears the conversation so far again; the server drops repeats.
      current?.played.forEach(toWidget);
    } else {
      playing = true;
      playForever().catch((err) => {
        status.textContent = `The demo stopped playing: ${err}`;
      });
    }
  } else if (data.type === "desktop.action") {
    const result = data.action === "send_text" ? sendText(data) : { ok: false, message: `Unknown action ${data.action}` };
    toWidget({ type: "desktop.action.result", request_id: data.request_id, ...result });
  }
}

async function start() {
  const query = new URLSearchParams(window.location.search);
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const tenant = query.get("tenant");
  const token = fragment.get("token");
  // The session token stays out of the address bar (and out of any later copy of the URL).
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  if (!tenant || !token) {
    title.textContent = "Open the Desktop URL that cuecard demo printed (it carries the session)";
    return;
  }
  const config = await (await fetch("config", { cache: "no-store" })).json();
  const src = new URL(config.widget_url, window.location.href);
  src.searchParams.set("tenant", tenant);
  src.searchParams.set(config.host_origin_param, window.location.origin);
  src.hash = new URLSearchParams({ token }).toString();
  window.addEventListener("message", fromWidget);
  title.textContent = "Waiting for a conversation…";
  frame.src = src.toString();
}

start().catch((err) => {
  title.textContent = `The desktop could not start: ${err}`;
});
