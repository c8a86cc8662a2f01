// The desktop platforms the widget has a browser module for, by registry name.
//
// The server serves /widget/<name> for each platform whose folder declares an embedding; the
// page then runs the module of that name (main.ts). Adding a platform's browser half means one
// folder here and one line below (docs/platforms.md). A platform without one still gets a
// working page: its agents sign in (as its manifest says) and the widget follows them.

import { eightByEight } from "./eight_by_eight";
import { five9 } from "./five9";
import { startSignIn } from "../sign-in";
import { genesys } from "./genesys";
import { salesforce } from "./salesforce";
import { simulator } from "./simulator";
import type { PlatformModule } from "./types";

export const PLATFORMS: Readonly<Record<string, PlatformModule>> = {
  [genesys.name]: genesys,
  [salesforce.name]: salesforce,
  [simulator.name]: simulator,
  [five9.name]: five9,
  [eightByEight.name]: eightByEight,
};

/** The browser module of `name`, or the plain one: sign in, then the live widget. */
export function platformModule(name: string): PlatformModule {
  return (
    PLATFORMS[name] ?? {
      name,
      displayName: name,
      agentActions: false,
      start: (params, open) => startSignIn(params, open, name),
    }
  );
}

/** The platform's name as agents know it; the registry name for platforms without a module. */
export function platformDisplayName(name: string): string {
  return PLATFORMS[name]?.displayName ?? name;
}
