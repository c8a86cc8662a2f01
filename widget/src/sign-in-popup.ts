// The "Sign in with <platform or identity provider>" popup, opened from inside the agent
// desktop's iframe.
//
// The popup is a first-party top-level window on cuecard's origin, so the login cookie works
// there; its last page posts the outcome to this window with cuecard's origin as the target.
// Only a message from that origin, from that popup, carrying this attempt's nonce is accepted.

import { randomId } from "./ids";
import { isSession, type AgentSession, type SessionError } from "./session";

export const MESSAGE_TYPE = "cuecard.login";
const CLOSED_POLL_MS = 500;
const POPUP_FEATURES = "popup,width=520,height=680";

export class SignInFailed extends Error {
  constructor(readonly error: SessionError) {
    super(error.message);
  }
}

/** The sign-in outcome in a popup message, or null if the message is not for this attempt. */
export function loginOutcome(
  data: unknown,
  nonce: string,
): { session: AgentSession } | { error: SessionError } | null {
  if (typeof data !== "object" || data === null) {
    return null;
  }
  const message = data as Record<string, unknown>;
  if (message["type"] !== MESSAGE_TYPE || message["nonce"] !== nonce) {
    return null;
  }
  if (message["ok"] === true && isSession(message["session"])) {
    return { session: message["session"] };
  }
  const error = message["error"] as Partial<SessionError> | undefined;
  return { error: { code: error?.code ?? "refused", message: error?.message ?? "Sign-in failed" } };
}

/**
 * Opens the popup at `loginPath` on cuecard's origin (call it straight from a click handler,
 * or the browser blocks it) and resolves with the session; rejects with SignInFailed.
 */
export function signInWithPopup(
  origin: string,
  loginPath: string,
  tenant: string,
): Promise<AgentSession> {
  const nonce = randomId(24);
  const query = new URLSearchParams({ tenant, nonce }).toString();
  const popup = window.open(`${origin}${loginPath}?${query}`, "cuecard-login", POPUP_FEATURES);
  if (popup === null) {
    return Promise.reject(
      new SignInFailed({ code: "popup_blocked", message: "The sign-in window was blocked — allow pop-ups and try again" }),
    );
  }
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      window.removeEventListener("message", onMessage);
      window.clearInterval(watcher);
    };
    const onMessage = (event: MessageEvent): void => {
      if (event.origin !== origin || event.source !== popup) {
        return;
      }
      const outcome = loginOutcome(event.data, nonce);
      if (outcome === null) {
        return;
      }
      finish();
      if ("session" in outcome) {
        resolve(outcome.session);
      } else {
        reject(new SignInFailed(outcome.error));
      }
    };
    // The outcome message may still be queued when the popup reports closed: allow one more tick.
    let closedTicks = 0;
    const watcher = window.setInterval(() => {
      closedTicks = popup.closed ? closedTicks + 1 : 0;
      if (closedTicks >= 2) {
        finish();
        reject(new SignInFailed({ code: "popup_closed", message: "The sign-in window was closed before signing in" }));
      }
    }, CLOSED_POLL_MS);
    window.addEventListener("message", onMessage);
  });
}
