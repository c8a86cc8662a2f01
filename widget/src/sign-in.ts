// Agent sign-in in a desktop's widget, whichever way the platform's agents sign in: at the
// platform's own OAuth, or at the tenant's identity provider. The server says which (from the
// platform's manifest) and what the button reads; the agent signs in through the popup, then
// the live widget opens with the session token, the session is kept renewed, and sign-in is
// offered again when it ends.

import { AccountView } from "./account-view";
import type { AgentConnection } from "./connection";
import { required } from "./dom";
import type { LaunchParams } from "./params";
import type { OpenWidget } from "./platforms/types";
import { refreshOverHttp, SessionKeeper, type AgentSession, type SessionError } from "./session";
import { SignInFailed, signInWithPopup } from "./sign-in-popup";

const SESSION_REFUSALS = new Set(["token_expired", "unauthenticated", "platform_session_expired"]);

/** How agents of a platform sign in for a tenant (GET /auth/sign-in). */
export interface SignInOption {
  /** "platform_oauth" or "tenant_idp". */
  readonly flow: string;
  /** The button reads "Sign in with <provider_name>". */
  readonly provider_name: string;
  /** Where the popup starts, on cuecard's origin. */
  readonly login_path: string;
}

/** Whether a server answer is a sign-in option the popup can start from. */
export function isSignInOption(value: unknown): value is SignInOption {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v["flow"] === "string" &&
    typeof v["provider_name"] === "string" &&
    typeof v["login_path"] === "string" &&
    v["login_path"].startsWith("/auth/")
  );
}

/** Asks cuecard how agents of `platform` sign in for `tenant`; rejects with SignInFailed. */
export async function fetchSignInOption(
  origin: string,
  platform: string,
  tenant: string,
): Promise<SignInOption> {
  const query = new URLSearchParams({ tenant, platform }).toString();
  let response: Response;
  try {
    response = await fetch(`${origin}/auth/sign-in?${query}`, { credentials: "omit", cache: "no-store" });
  } catch {
    throw new SignInFailed({ code: "unavailable", message: "cuecard cannot be reached — try again" });
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok && isSignInOption(body)) {
    return body;
  }
  const error = (body ?? {}) as Partial<SessionError>;
  throw new SignInFailed({
    code: error.code ?? "refused",
    message: error.message ?? `Sign-in is not available (HTTP ${response.status})`,
  });
}

function failure(err: unknown): SessionError {
  return err instanceof SignInFailed ? err.error : { code: "refused", message: String(err) };
}

/** Runs the sign-in strip of the widget page of `platform` (a registry name). */
export function startSignIn(params: LaunchParams, open: OpenWidget, platform: string): void {
  const origin = window.location.origin;
  const account = new AccountView(
    required("account", HTMLElement),
    required("account-status", HTMLElement),
    required("sign-in", HTMLButtonElement),
  );
  const tenant = params.tenant;
  if (tenant === null) {
    account.show({ state: "failed", code: "invalid_input", message: "The widget URL names no tenant" });
    return;
  }
  let option: SignInOption | null = null;
  let connection: AgentConnection | null = null;
  let keeper: SessionKeeper | null = null;

  const prepare = (): void => {
    account.show({ state: "preparing" });
    fetchSignInOption(origin, platform, tenant).then(
      (found) => {
        option = found;
        account.setProvider(found.provider_name);
        account.show({ state: "signed-out" });
      },
      (err: unknown) => account.show({ state: "failed", ...failure(err) }),
    );
  };
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

  account.onSignIn(() => {
    if (option === null) {
      prepare(); // the last attempt to learn how to sign in failed: ask again
      return;
    }
    account.show({ state: "signing-in" });
    // Opened synchronously inside the click handler, so the browser allows the popup.
    signInWithPopup(origin, option.login_path, tenant).then(signedIn, (err: unknown) => {
      account.show({ state: "failed", ...failure(err) });
    });
  });
  prepare();
}
