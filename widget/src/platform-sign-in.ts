// Agent sign-in at the platform, for desktops whose agents sign in with the platform's own
// OAuth: sign in through the popup, then open the live widget with the session token, keep
// the session renewed, and offer sign-in again when it ends.

import { AccountView } from "./account-view";
import type { AgentConnection } from "./connection";
import { required } from "./dom";
import type { LaunchParams } from "./params";
import type { OpenWidget } from "./platforms/types";
import { refreshOverHttp, SessionKeeper, type AgentSession } from "./session";
import { SignInFailed, signInWithPopup } from "./sign-in-popup";

const SESSION_REFUSALS = new Set(["token_expired", "unauthenticated", "platform_session_expired"]);

/** The platform agents sign in with: its registry name and its name as agents know it. */
export interface SignInPlatform {
  readonly name: string;
  readonly displayName: string;
}

export function startPlatformSignIn(
  params: LaunchParams,
  open: OpenWidget,
  platform: SignInPlatform,
): void {
  const origin = window.location.origin;
  const account = new AccountView(
    required("account", HTMLElement),
    required("account-status", HTMLElement),
    required("sign-in", HTMLButtonElement),
    platform.displayName,
  );
  const tenant = params.tenant;
  if (tenant === null) {
    account.show({ state: "failed", code: "invalid_input", message: "The widget URL names no tenant" });
    return;
  }
  let connection: AgentConnection | null = null;
  let keeper: SessionKeeper | null = null;

  const ended = (message: string): void => {
    keeper?.stop();
    keeper = null;
    account.show({ state: "expired", message });
  };
  const signedIn = (session: AgentSession): void => {
    account.show({ state: "signed-in", name: session.agent.name });
    keeper?.stop();
    keeper = new SessionKeeper(session, refreshOverHttp(origin), {
      renewed: (renewed) => connection?.renew(renewed.token),
      ended: (error) => {
        connection?.close();
        ended(error.message);
      },
    });
    if (connection === null) {
      connection = open(session.token, {
        onRefused: (code, message) => {
          if (SESSION_REFUSALS.has(code)) {
            ended(message);
          }
        },
      });
    } else {
      connection.renew(session.token);
    }
  };

  account.show({ state: "signed-out" });
  account.onSignIn(() => {
    account.show({ state: "signing-in" });
    // Opened synchronously inside the click handler, so the browser allows the popup.
    signInWithPopup(origin, platform.name, tenant).then(signedIn, (err: unknown) => {
      const error = err instanceof SignInFailed ? err.error : { code: "refused", message: String(err) };
      account.show({ state: "failed", ...error });
    });
  });
}
