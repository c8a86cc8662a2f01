// 8x8: the widget as a partner app panel in Agent Workspace, through 8x8's partner SDK
// (@8x8/pui-partner-comm, installed from npm when the widget is built; 8x8's own package under
// 8x8's SDK licence). The conversation's lifecycle reaches cuecard from 8x8's Event Streaming
// (providers/eight_by_eight); here the widget follows the interaction the agent focuses, and
// takes Agent Workspace's theme and locale. Agents sign in at the tenant's identity provider.

import { startSignIn } from "../../sign-in";
import { EmbeddingUnavailable, fetchEmbedding } from "../embedding";
import type { PlatformModule, Refuse } from "../types";
import { ParentGuard } from "./guard";
import { applyWorkspaceMessage, FocusedPage } from "./workspace";

const EIGHT_BY_EIGHT = { name: "eight_by_eight", displayName: "8x8" } as const;
/** How the widget introduces itself to Agent Workspace. */
export const PARTNER_APP = { appName: "cuecard", appVersion: "1", vendor: "cuecard" } as const;

/** Initialises the partner SDK once the page knows which origins may hand it its port. */
async function joinWorkspace(tenant: string, guard: ParentGuard, page: FocusedPage, refuse: Refuse): Promise<void> {
  let origins: string[];
  try {
    origins = (await fetchEmbedding(window.location, tenant)).frame_origins;
  } catch (err) {
    refuse(err instanceof EmbeddingUnavailable ? "not_set_up" : "refused", String((err as Error).message));
    return;
  }
  // Loaded only now, after the guard: the SDK's own listener then comes second.
  const { system } = await import("@8x8/pui-partner-comm");
  system.initialise({ ...PARTNER_APP, onMessage: (data) => applyWorkspaceMessage(page, data) });
  // The port Agent Workspace handed over before the origins were known reaches the SDK now.
  guard.allow(origins);
  system.getContext();
}

export const eightByEight: PlatformModule = {
  ...EIGHT_BY_EIGHT,
  agentActions: false,
  start: (params, open, refuse) => {
    // First of all, before anything can hand the SDK a port.
    const guard = ParentGuard.install(window);
    const tenant = params.tenant;
    if (tenant === null) {
      refuse("invalid_input", "The widget URL names no tenant");
      return;
    }
    if ((window.parent as unknown) === window) {
      refuse("not_framed", "Open the widget from 8x8 Agent Workspace");
      return;
    }
    // The workspace is joined while the agent signs in: its theme applies at once, and the
    // interaction focused meanwhile is shown as soon as the widget connects.
    const page = new FocusedPage(document.documentElement);
    void joinWorkspace(tenant, guard, page, refuse);
    startSignIn(
      params,
      (token, options) => {
        const connection = open(token, options);
        page.attach(connection);
        return connection;
      },
      EIGHT_BY_EIGHT.name,
    );
  },
};
