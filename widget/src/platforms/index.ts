// The desktop platforms the widget has a browser module for, by registry name.
//
// The server serves /widget/<name> for each platform whose folder declares an embedding; the
// page then runs the module of that name (main.ts). Adding a platform's browser half means one
// folder here and one line below (docs/platforms.md).

import { genesys } from "./genesys";
import { salesforce } from "./salesforce";
import { simulator } from "./simulator";
import type { PlatformModule } from "./types";

export const PLATFORMS: Readonly<Record<string, PlatformModule>> = {
  [genesys.name]: genesys,
  [salesforce.name]: salesforce,
  [simulator.name]: simulator,
};

/** The platform's name as agents know it; the registry name for platforms without a module. */
export function platformDisplayName(name: string): string {
  return PLATFORMS[name]?.displayName ?? name;
}
