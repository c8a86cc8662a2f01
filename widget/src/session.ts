// A signed-in agent's cuecard session: renewed before it expires, with a rotating refresh token.
//
// The session lives only in this page's memory: the platform's token never reaches the browser,
// and the refresh token is only ever sent back to cuecard's own /auth/session/refresh.

export interface AgentSession {
  tenant_id: string;
  agent: { id: string; name: string };
  token: string;
  /** Epoch seconds. */
  expires_at: number;
  refresh_token: string;
}

export interface SessionError {
  code: string;
  message: string;
}

/** Raised when the server refuses to renew; `code` says why (e.g. platform_session_expired). */
export class SessionEnded extends Error {
  constructor(readonly error: SessionError) {
    super(error.message);
  }
}

// Renew when this share of the lifetime has passed, and never later than a minute before.
const RENEW_AT_SHARE = 0.8;
const RENEW_MARGIN_MS = 60_000;
const RETRY_MS = 15_000;

/** Milliseconds from `nowMs` until the session should be renewed. */
export function renewDelay(session: AgentSession, nowMs: number, issuedAtMs: number): number {
  const expiresMs = session.expires_at * 1000;
  const byShare = issuedAtMs + (expiresMs - issuedAtMs) * RENEW_AT_SHARE;
  return Math.max(0, Math.min(byShare, expiresMs - RENEW_MARGIN_MS) - nowMs);
}

/** Whether a message from the sign-in popup is a well-formed session. */
export function isSession(value: unknown): value is AgentSession {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  const agent = v["agent"] as Record<string, unknown> | undefined;
  return (
    typeof v["token"] === "string" &&
    typeof v["refresh_token"] === "string" &&
    typeof v["expires_at"] === "number" &&
    typeof agent?.["name"] === "string" &&
    typeof agent["id"] === "string"
  );
}

export type Refresh = (refreshToken: string) => Promise<AgentSession>;

/** POST /auth/session/refresh on the widget's own origin. */
export function refreshOverHttp(origin: string): Refresh {
  return async (refreshToken) => {
    let response: Response;
    try {
      response = await fetch(`${origin}/auth/session/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new Error("network");
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.ok && isSession(body)) {
      return body;
    }
    if (response.status >= 500 || body === null) {
      throw new Error(`refresh answered ${response.status}`);
    }
    const error = body as Partial<SessionError>;
    throw new SessionEnded({ code: error.code ?? "refused", message: error.message ?? "Session ended" });
  };
}

export interface SessionListener {
  renewed(session: AgentSession): void;
  ended(error: SessionError): void;
}

/** Keeps one session alive: renews on schedule, retries passing failures, reports the end. */
export class SessionKeeper {
  private timer: number | undefined;
  private current: AgentSession;

  constructor(
    session: AgentSession,
    private readonly refresh: Refresh,
    private readonly listener: SessionListener,
  ) {
    this.current = session;
    this.schedule(Date.now());
  }

  get session(): AgentSession {
    return this.current;
  }

  stop(): void {
    window.clearTimeout(this.timer);
  }

  private schedule(issuedAtMs: number): void {
    const delay = renewDelay(this.current, Date.now(), issuedAtMs);
    this.timer = window.setTimeout(() => void this.renew(), delay);
  }

  private async renew(): Promise<void> {
    try {
      this.current = await this.refresh(this.current.refresh_token);
    } catch (err) {
      if (err instanceof SessionEnded) {
        this.listener.ended(err.error);
      } else {
        this.timer = window.setTimeout(() => void this.renew(), RETRY_MS);
      }
      return;
    }
    this.listener.renewed(this.current);
    this.schedule(Date.now());
  }
}
