// The simulator's desktop (the page `cuecard demo` serves at /demo/desktop/) frames the widget
// and posts it the conversation's messages; this module forwards them to the server as
// `bridge.event`, and asks the desktop to send a card's text to the customer.

import { BridgeForwarder } from "../../bridge";
import type { AgentConnection } from "../../connection";
import { HostChannel, type HostWindow } from "../../host";
import { resolveToken } from "../../session-token";
import type { PlatformModule } from "../types";

export const PLATFORM = "simulator";
/** The URL parameter in which the desktop states its origin (checked by the server). */
export const HOST_ORIGIN_PARAM = "hostOrigin";
/** The desktop action behind a card's Send button: post the text to the customer. */
export const SEND_TEXT = "send_text";

/** Opens the live widget; `sendToDesktop` backs the Send buttons. */
export type OpenWithDesktop = (
  sendToDesktop: (conversationId: string, text: string) => Promise<void>,
) => AgentConnection;

/** Starts the bridge; false when the page is not framed by a desktop it may trust. */
export function startSimulator(win: HostWindow, url: URL, open: OpenWithDesktop): boolean {
  const host = HostChannel.open(win, url.searchParams.get(HOST_ORIGIN_PARAM));
  if (host === null) {
    return false;
  }
  const connection = open((conversationId, text) => host.act(SEND_TEXT, conversationId, text));
  const forwarder = new BridgeForwarder(PLATFORM, (platform, message) =>
    connection.bridgeEvent(platform, message),
  );
  host.listen((message) => {
    // The desktop's messages are JSON objects; anything else is not one of them.
    if (typeof message === "object" && message !== null && !Array.isArray(message)) {
      void forwarder.forward(message);
    }
  });
  host.ready(PLATFORM);
  return true;
}

export const simulator: PlatformModule = {
  name: PLATFORM,
  displayName: "Simulator",
  agentActions: false,
  start: (params, open, refuse) => {
    const token = resolveToken(params.token, params.tenant);
    if (token === null) {
      refuse("unauthenticated", "No session token — reopen the widget from the agent desktop");
      return;
    }
    const url = new URL(window.location.href);
    const bridged = startSimulator(window, url, (desktopSend) => open(token, { desktopSend }));
    if (!bridged) {
      refuse("not_framed", "Open the widget from the agent desktop that frames it");
    }
  },
};
