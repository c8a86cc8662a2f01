// What a desktop platform's browser module gives the widget page.

import type { AgentConnection } from "../connection";
import type { LaunchParams } from "../params";

export interface OpenOptions {
  /** Hears a refused connection (an expired session, another tenant...). */
  onRefused?: (code: string, message: string) => void;
  /** Send on cards and the answer asks the framing desktop to send the text (host.ts). */
  desktopSend?: (conversationId: string, text: string) => Promise<void>;
  /** Insert on cards asks the framing desktop to put the text in the agent's reply box. */
  desktopInsert?: (conversationId: string, text: string) => Promise<void>;
}

/** Opens the live widget for a session token. */
export type OpenWidget = (token: string, options?: OpenOptions) => AgentConnection;

/** Shows why the widget cannot open here (one line, with the code the server would use). */
export type Refuse = (code: string, message: string) => void;

export interface PlatformModule {
  /** The platform's registry name: the page at /widget/<name> runs this module. */
  readonly name: string;
  /** The platform's name as agents know it. */
  readonly displayName: string;
  /** Offer Send on cards and the wrap-up notes form (the server acts with the agent's token). */
  readonly agentActions: boolean;
  /** Offer the wrap-up notes form without agent actions (cuecard writes the notes back). */
  readonly notes?: boolean;
  /** Takes over once the page knows it runs in this platform's desktop. */
  start(params: LaunchParams, open: OpenWidget, refuse: Refuse): void;
}
