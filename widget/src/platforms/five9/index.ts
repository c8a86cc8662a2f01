// Five9: the widget as a page inside Five9's agent desktop (a custom component or a tab of the
// CRM page hosting the Five9 adapter). It loads Five9's CRM SDK from the tenant's settings,
// follows the desktop's interactions (interactionApi call, chat and email callbacks, the agent
// from getMetadata(), the handoff from getCav()) and forwards them as `bridge.event`. The
// widget then shows whichever conversation the server assigns to the signed-in agent.

import { EmbeddingUnavailable, fetchEmbedding } from "../embedding";
import { withTenantIdpSession } from "../tenant-idp";
import type { OpenWidget, PlatformModule, Refuse } from "../types";
import { Five9Desktop, PLATFORM } from "./desktop";
import { crmSdk, loadScripts } from "./sdk";

const FIVE9 = { name: PLATFORM, displayName: "Five9" } as const;

async function run(tenant: string, token: string, open: OpenWidget, refuse: Refuse): Promise<void> {
  let scripts: string[];
  try {
    scripts = (await fetchEmbedding(window.location, tenant)).scripts;
    await loadScripts(document, scripts);
  } catch (err) {
    const code = err instanceof EmbeddingUnavailable ? "not_set_up" : "sdk_unavailable";
    refuse(code, err instanceof Error ? err.message : String(err));
    return;
  }
  const sdk = crmSdk(window);
  if (sdk === null) {
    refuse("sdk_unavailable", `Five9's CRM SDK is missing from ${scripts.join(", ") || "the settings"}`);
    return;
  }
  const connection = open(token);
  const desktop = new Five9Desktop(sdk.interactionApi(), (platform, message) => connection.bridgeEvent(platform, message), {
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
    withTenantIdpSession(params, FIVE9, refuse, (token) => void run(tenant, token, open, refuse));
  },
};
