// Keeps the session token for this tab, so reloading the iframe (whose URL no longer carries
// the token once it has been scrubbed) does not sign the agent out.

const STORAGE_KEY = "cuecard.session-token";

/** The URL's token when there is one (and remember it), else the one remembered for this tab. */
export function resolveToken(fromUrl: string | null, tenant: string | null): string | null {
  const key = `${STORAGE_KEY}:${tenant ?? ""}`;
  try {
    if (fromUrl !== null) {
      window.sessionStorage.setItem(key, fromUrl);
      return fromUrl;
    }
    return window.sessionStorage.getItem(key);
  } catch {
    // Storage can be blocked for third-party iframes; the widget then works without it.
    return fromUrl;
  }
}
