// What a desktop platform's browser module gives the widget page.

import type { AgentConnection } from "../connection";
import type { LaunchParams } from "../params";

/** Opens the live widget for a session token; `onRefused` hears a refused connection. */
export type OpenWidget = (
  token: string,
  onRefused: (code: string, message: string) => void,
) => AgentConnection;

export interface PlatformModule {
  /** The platform's registry name: the page at /widget/<name> runs this module. */
  readonly name: string;
  /** The platform's name as agents know it. */
  readonly displayName: string;
  /** Offer Send on cards and the wrap-up notes form (the server acts with the agent's token). */
  readonly agentActions: boolean;
  /** Takes over once the page knows it runs in this platform's desktop. */
  start(params: LaunchParams, open: OpenWidget): void;
}
