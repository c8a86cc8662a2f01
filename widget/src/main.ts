// Entry point: reads the launch URL, finds the page's elements and wires the pieces together.

import { AnswerView } from "./answer-view";
import { AgentConnection } from "./connection";
import { WidgetController } from "./controller";
import { required } from "./dom";
import { parseLaunchParams, scrubTokenFromLocation } from "./params";
import { SearchPanel } from "./search";
import { resolveToken } from "./session-token";
import { StatusView } from "./status-view";
import { TranscriptView } from "./transcript-view";

function start(): void {
  const params = parseLaunchParams(new URL(window.location.href));
  scrubTokenFromLocation();
  const token = resolveToken(params.token, params.tenant);

  const status = new StatusView(
    required("connection-status", HTMLElement),
    required("conversation-status", HTMLElement),
    required("notice", HTMLElement),
  );
  if (token === null) {
    status.showLink({
      state: "refused",
      code: "unauthenticated",
      message: "No session token — reopen the widget from the agent desktop",
    });
    return;
  }

  let connection: AgentConnection | null = null;
  const suggestionsSection = required("suggestions", HTMLElement).closest("section");
  if (suggestionsSection === null) {
    throw new Error("widget page is missing the suggestions section");
  }
  const controller = new WidgetController(
    status,
    new TranscriptView(
      required("transcript-pane", HTMLElement),
      required("transcript", HTMLElement),
      required("transcript-empty", HTMLElement),
    ),
    required("suggestions", HTMLElement),
    required("suggestions-empty", HTMLElement),
    (suggestion, action) => connection?.feedback(suggestion.id, action),
    new AnswerView(suggestionsSection),
  );
  if (params.conversationId !== null) {
    controller.conversationChanged(params.conversationId);
  }
  connection = new AgentConnection(
    { origin: window.location.origin, token, pinnedConversationId: params.conversationId },
    controller,
  );

  const live = connection;
  new SearchPanel(
    {
      form: required("search-form", HTMLFormElement),
      input: required("search-input", HTMLInputElement),
      section: required("search-section", HTMLElement),
      results: required("search-results", HTMLElement),
      message: required("search-message", HTMLElement),
      clear: required("search-clear", HTMLButtonElement),
    },
    (query) => live.search(query),
    (suggestion, action) => live.feedback(suggestion.id, action),
  );
}

start();
