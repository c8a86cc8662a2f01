// Five9: the widget as a page inside Five9's agent desktop (a custom component or a tab of the
// CRM page hosting the Five9 adapter). While the agent signs in at the tenant's identity
// provider, it loads Five9's CRM SDK from the tenant's settings; then it follows the desktop's
// interactions (interactionApi call, chat and email callbacks, the agent from getMetadata(),
// the handoff from getCav()) and forwards them as `bridge.event`. The widget shows whichever
// conversation the server then assigns to the signed-in agent.

import type { AgentConnection } from "../../connection";
import { startSignIn } from "../../sign-in";
import { EmbeddingUnavailable, fetchEmbedding } from "../embedding";
import type { PlatformModule, Refuse } from "../types";
import { Five9Desktop, PLATFORM } from "./desktop";
import { crmSdk, loadScripts, type CrmSdk } from "./sdk";

const FIVE9 = { name: PLATFORM, displayName: "Five9" } as const;

/** Five9's CRM SDK, loaded from where the tenant's integration says. */
async function loadSdk(tenant: string): Promise<CrmSdk> {
  const scripts = (await fetchEmbedding(window.location, tenant)).scripts;
  await loadScripts(document, scripts);
  const sdk = crmSdk(window);
  if (sdk === null) {
    throw new Error(`Five9's CRM SDK is missing from ${scripts.join(", ") || "the settings"}`);
  }
  return sdk;
}

/** Follows the desktop on this connection once the SDK is there. */
async function follow(sdk: Promise<CrmSdk>, connection: AgentConnection, refuse: Refuse): Promise<void> {
  let api;
  try {
    api = (await sdk).interactionApi();
  } catch {
    return; // already refused when the SDK failed to load
  }
  const desktop = new Five9Desktop(api, (platform, message) => connection.bridgeEvent(platform, message), {
    refused: (code, message) => {
      connection.close();
      refuse(code, message);
    },
  });
  await desktop.start();
}

export const five9: PlatformModule = {
  ...FIVE9,
  agentActions: false,
  start: (params, open, refuse) => {
    const tenant = params.tenant;
    if (tenant === null) {
      refuse("invalid_input", "The widget URL names no tenant");
      return;
    }
    const sdk = loadSdk(tenant);
    sdk.catch((err: unknown) => {
      const code = err instanceof EmbeddingUnavailable ? "not_set_up" : "sdk_unavailable";
      refuse(code, err instanceof Error ? err.message : String(err));
    });
    startSignIn(
      params,
      (token, options) => {
        const connection = open(token, options);
        void follow(sdk, connection, refuse);
        return connection;
      },
      FIVE9.name,
    );
  },
};
