// What a desktop platform's page learns from the server before it talks to its desktop:
// the origins allowed to frame it (the only ones whose messages it takes) and the scripts of
// the desktop's own SDK to load, from GET /widget/<platform>/embedding?tenant=<id>.

export interface PlatformEmbedding {
  frame_origins: string[];
  scripts: string[];
}

/** Raised when the server has no embedding for this tenant (not set up, or disabled). */
export class EmbeddingUnavailable extends Error {}

/** The embedding of the page at `location` (`/widget/<platform>`) for `tenant`. */
export async function fetchEmbedding(location: Location | URL, tenant: string): Promise<PlatformEmbedding> {
  const url = new URL(`${location.pathname.replace(/\/$/, "")}/embedding`, location.origin);
  url.searchParams.set("tenant", tenant);
  let response: Response;
  try {
    response = await fetch(url, { credentials: "omit", cache: "no-store" });
  } catch {
    throw new EmbeddingUnavailable("cuecard did not answer — check the connection and reload");
  }
  if (!response.ok) {
    throw new EmbeddingUnavailable((await response.text()).trim() || `HTTP ${response.status}`);
  }
  const body: unknown = await response.json();
  if (!isEmbedding(body)) {
    throw new EmbeddingUnavailable("cuecard answered with something other than an embedding");
  }
  return body;
}

function isEmbedding(value: unknown): value is PlatformEmbedding {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const body = value as Record<string, unknown>;
  const strings = (list: unknown): boolean => Array.isArray(list) && list.every((item) => typeof item === "string");
  return strings(body["frame_origins"]) && strings(body["scripts"]);
}

/**
 * Whether `origin` is one of `patterns`, which are origins whose host may start with a `*.`
 * wildcard (any subdomain, as in the page's CSP frame-ancestors). Ports must match exactly.
 */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) {
    return false;
  }
  return patterns.some((pattern) => matches(url, pattern));
}

function matches(url: URL, pattern: string): boolean {
  const found = /^(https?):\/\/(\*\.)?([a-z0-9.-]+)(?::(\d+))?$/i.exec(pattern.trim());
  if (found === null) {
    return false;
  }
  const [, scheme, wildcard, host, port] = found;
  if (`${scheme?.toLowerCase()}:` !== url.protocol || (port ?? "") !== url.port) {
    return false;
  }
  const wanted = (host ?? "").toLowerCase();
  return wildcard ? url.hostname.endsWith(`.${wanted}`) : url.hostname === wanted;
}
