// Salesforce Service Cloud: the widget inside the cuecardAssist Lightning component.
//
// The component frames /widget/salesforce?tenant=…&conversation=<record id>&hostOrigin=<its
// Lightning origin> and posts the conversation's Lightning Message Service events to it. The
// agent signs in with Salesforce in a popup (/auth/salesforce/login: OAuth with PKCE, the org
// checked); then the widget says it is ready, so the component hands it the record and the
// lines it saw, and forwards them to the server as `bridge.event`. Send and Insert on a card
// ask the component to run the conversation toolkit (`desktop.action`, answered by
// `desktop.action.result`). Wrap-up notes are kept by cuecard and written to the Case.

import { BridgeForwarder } from "../../bridge";
import type { AgentConnection } from "../../connection";
import { HostChannel, type HostWindow } from "../../host";
import type { LaunchParams } from "../../params";
import { startSignIn } from "../../sign-in";
import type { OpenOptions, OpenWidget, PlatformModule } from "../types";

const SALESFORCE = { name: "salesforce", displayName: "Salesforce" } as const;
/** The URL parameter in which the component states its Lightning origin (checked by the server). */
export const HOST_ORIGIN_PARAM = "hostOrigin";
/** The desktop actions behind a card's Send and Insert: the toolkit's send and agent input. */
export const SEND_TEXT = "send_text";
export const INSERT_TEXT = "insert_text";

/**
 * Opens the live widget backed by the component: its messages are forwarded once the agent is
 * signed in, and Send / Insert go back to it. Returns the wrapped `open` for the sign-in flow.
 */
export function bridgedOpen(host: HostChannel, open: OpenWidget): OpenWidget {
  let forwarder: BridgeForwarder | null = null;
  return (token: string, options: OpenOptions = {}): AgentConnection => {
    const connection = open(token, {
      ...options,
      desktopSend: (conversationId, text) => host.act(SEND_TEXT, conversationId, text),
      desktopInsert: (conversationId, text) => host.act(INSERT_TEXT, conversationId, text),
    });
    if (forwarder === null) {
      const bridge = new BridgeForwarder(SALESFORCE.name, (platform, message) =>
        connection.bridgeEvent(platform, message),
      );
      forwarder = bridge;
      host.listen((message) => {
        // The component's messages are JSON objects; anything else is not one of them.
        if (typeof message === "object" && message !== null && !Array.isArray(message)) {
          void bridge.forward(message);
        }
      });
      host.ready(SALESFORCE.name);
    }
    return connection;
  };
}

/** Starts the Salesforce entry; false when the page is not framed by the component's origin. */
export function startSalesforce(
  win: HostWindow,
  url: URL,
  params: LaunchParams,
  open: OpenWidget,
): boolean {
  const host = HostChannel.open(win, url.searchParams.get(HOST_ORIGIN_PARAM));
  if (host === null) {
    return false;
  }
  startSignIn(params, bridgedOpen(host, open), SALESFORCE.name);
  return true;
}

export const salesforce: PlatformModule = {
  ...SALESFORCE,
  // Replies are sent by the conversation toolkit in Lightning, not by cuecard...
  agentActions: false,
  // ...but the wrap-up notes form is offered: cuecard writes the notes to the Case.
  notes: true,
  start: (params, open, refuse) => {
    if (!startSalesforce(window, new URL(window.location.href), params, open)) {
      refuse("not_framed", "Open the widget from the cuecard Assist component in Salesforce");
    }
  },
};
