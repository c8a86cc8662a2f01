// Agent sign-in for desktops whose agents sign in at the tenant's own identity provider
// (the manifest's SignInFlow.TENANT_IDP: Five9, 8x8). The session's agent id is the IdP
// claim the tenant configured, which must be the platform's own agent id.
//
// HOOK(issue9-idp): the widget's "Sign in with <IdP>" popup (/auth/idp/login) is being built
// with tenant-IdP sign-in. Until it lands, these pages open with a session token handed to
// them as the generic page's is (`#token=…`, kept for the tab), and say so when there is none.
// When it lands, replace the body of `withTenantIdpSession` by that flow: call `signedIn`
// with each session token (and again when it is renewed).

import type { LaunchParams } from "../params";
import { resolveToken } from "../session-token";
import type { Refuse } from "./types";

export interface IdpPlatform {
  readonly name: string;
  readonly displayName: string;
}

/** Calls `signedIn` with the agent's session token once there is one; refuses otherwise. */
export function withTenantIdpSession(
  params: LaunchParams,
  platform: IdpPlatform,
  refuse: Refuse,
  signedIn: (token: string) => void,
): void {
  const token = resolveToken(params.token, params.tenant);
  if (token === null) {
    refuse(
      "unauthenticated",
      `No cuecard session — ${platform.displayName} agents sign in with your company's identity provider`,
    );
    return;
  }
  signedIn(token);
}
