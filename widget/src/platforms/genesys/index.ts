// Genesys Cloud: the widget as an Interaction Widget next to each interaction.
//
// The agent signs in with Genesys Cloud in a popup (/auth/genesys/login: OAuth with PKCE); the
// server keeps the Genesys token and the widget runs on a cuecard session, sending replies and
// saving wrap-up notes as the agent. Genesys interpolates the conversation into the URL as
// `conversationId={{gcConversationId}}` (params.ts accepts it).

import { startSignIn } from "../../sign-in";
import type { PlatformModule } from "../types";

const GENESYS = { name: "genesys", displayName: "Genesys Cloud" } as const;

export const genesys: PlatformModule = {
  ...GENESYS,
  agentActions: true,
  start: (params, open) => startSignIn(params, open, GENESYS.name),
};
