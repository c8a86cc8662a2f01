// A small banner while a platform connection of the tenant is not connected.

import { platformDisplayName } from "./platforms";
import type { IntegrationStatusEvent } from "./protocol";

const STATE_TEXT: Record<IntegrationStatusEvent["state"], string> = {
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "connection lost, reconnecting…",
  auth_failed: "credentials refused — ask an admin to check the integration",
  config_error: "misconfigured — ask an admin to check the integration",
  stopped: "stopped",
};

/** What the banner says for the connections that are down, or null when all are connected. */
export function bannerText(statuses: Iterable<IntegrationStatusEvent>): string | null {
  const down = [...statuses].filter((status) => status.state !== "connected");
  if (down.length === 0) {
    return null;
  }
  return down
    .map((status) => {
      const name = platformDisplayName(status.provider);
      const detail = status.message ? ` (${status.message})` : "";
      return `${name}: ${STATE_TEXT[status.state] ?? status.state}${detail}`;
    })
    .join(" · ");
}

export class IntegrationBanner {
  private readonly statuses = new Map<string, IntegrationStatusEvent>();

  constructor(private readonly node: HTMLElement) {}

  update(event: IntegrationStatusEvent): void {
    this.statuses.set(event.integration_id ?? event.provider, event);
    const text = bannerText(this.statuses.values());
    this.node.hidden = text === null;
    this.node.textContent = text ?? "";
    this.node.dataset["state"] = text === null ? "connected" : "down";
  }
}
