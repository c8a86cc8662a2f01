// Entry point: reads the launch URL, finds the page's elements and wires the pieces together.

import { AnswerView } from "./answer-view";
import type { SendText } from "./card";
import { AgentConnection } from "./connection";
import { DetailsView } from "./details-view";
import { WidgetController } from "./controller";
import { required } from "./dom";
import { HandoffView } from "./handoff-view";
import { IntegrationBanner } from "./integration-banner";
import { NotesPanel } from "./notes-panel";
import { parseLaunchParams, scrubTokenFromLocation, type LaunchParams } from "./params";
import { platformModule } from "./platforms";
import type { OpenOptions } from "./platforms/types";
import { SearchPanel } from "./search";
import { resolveToken } from "./session-token";
import { StatusView } from "./status-view";
import { StepsView } from "./steps-view";
import { TranscriptView } from "./transcript-view";

interface WidgetOptions extends OpenOptions {
  /** Offer Send on cards and the answer, and the wrap-up notes form. */
  agentActions: boolean;
  /** Offer the wrap-up notes form (also without agent actions). */
  notes?: boolean;
}

function start(): void {
  const params = parseLaunchParams(new URL(window.location.href));
  scrubTokenFromLocation();
  const status = new StatusView(
    required("connection-status", HTMLElement),
    required("conversation-status", HTMLElement),
    required("notice", HTMLElement),
  );
  if (params.platform !== null) {
    const platform = platformModule(params.platform);
    platform.start(
      params,
      (token, options) =>
        openWidget(params, status, token, {
          agentActions: platform.agentActions,
          notes: platform.notes ?? false,
          ...options,
        }),
      (code, message) => status.showLink({ state: "refused", code, message }),
    );
    return;
  }
  const token = resolveToken(params.token, params.tenant);
  if (token === null) {
    status.showLink({
      state: "refused",
      code: "unauthenticated",
      message: "No session token — reopen the widget from the agent desktop",
    });
    return;
  }
  openWidget(params, status, token, { agentActions: false });
}

/** Connects with `token` and wires the live views to the connection. */
function openWidget(
  params: LaunchParams,
  status: StatusView,
  token: string,
  options: WidgetOptions,
): AgentConnection {
  let connection: AgentConnection | null = null;
  const send = sendText(options, () => connection);
  const insert = desktopText(options.desktopInsert, () => connection);
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
    new AnswerView(suggestionsSection, send),
    {
      steps: new StepsView(
        required("steps-section", HTMLElement),
        required("steps-title", HTMLElement),
        required("steps", HTMLElement),
        (documentId, step, done) => connection?.tickStep(documentId, step, done),
      ),
      details: new DetailsView(required("details-section", HTMLElement), required("details", HTMLElement)),
      latestLine: required("latest-line", HTMLElement),
    },
    {
      banner: new IntegrationBanner(required("integration-banner", HTMLElement)),
      handoff: new HandoffView(
        required("handoff-section", HTMLElement),
        required("handoff-intent", HTMLElement),
        required("handoff-summary", HTMLElement),
        required("handoff-items", HTMLElement),
      ),
      ...(send ? { send } : {}),
      ...(insert ? { insert } : {}),
    },
  );
  if (params.conversationId !== null) {
    controller.conversationChanged(params.conversationId);
  }
  const live = new AgentConnection(
    {
      origin: window.location.origin,
      token,
      pinnedConversationId: params.conversationId,
      ...(options.onRefused ? { onRefused: options.onRefused } : {}),
    },
    controller,
  );
  connection = live;
  if (options.agentActions || options.notes === true) {
    new NotesPanel(
      required("notes-section", HTMLElement),
      required("notes-form", HTMLFormElement),
      required("notes-input", HTMLTextAreaElement),
      required("notes-status", HTMLElement),
      async (text) => {
        await live.act("notes.save", text);
      },
    );
  }
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
  return live;
}

/** What Send on a card does: the server acts with the agent's token, or the desktop sends. */
function sendText(options: WidgetOptions, connection: () => AgentConnection | null): SendText | undefined {
  if (options.agentActions) {
    return async (text) => {
      await connection()?.act("reply.send", text);
    };
  }
  return desktopText(options.desktopSend, connection);
}

/** A card action the framing desktop carries out on the open conversation. */
function desktopText(
  act: ((conversationId: string, text: string) => Promise<void>) | undefined,
  connection: () => AgentConnection | null,
): SendText | undefined {
  if (act === undefined) {
    return undefined;
  }
  return async (text) => {
    const conversationId = connection()?.currentConversationId ?? null;
    if (conversationId === null) {
      throw new Error("No conversation is open");
    }
    await act(conversationId, text);
  };
}

start();
