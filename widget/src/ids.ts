// Random identifiers made in the browser: login nonces and action request ids.

/** A random base64url string of `bytes` random bytes, without padding. */
export function randomId(bytes = 18): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...values)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
