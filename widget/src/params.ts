// Reads the launch parameters the agent desktop puts in the widget URL.
//
//   /widget/?tenant=acme&conversation=c-123#token=<jwt>
//   /widget/<platform>?tenant=acme&...   (a desktop platform's entry: its module takes over)
//
// The token travels in the fragment so it never reaches a server or an access log; it is
// removed from the visible URL as soon as it has been read. Genesys Cloud interaction widgets
// pass the conversation as `gcConversationId`, accepted here as an alias.

export interface LaunchParams {
  tenant: string | null;
  conversationId: string | null;
  token: string | null;
  /** The desktop platform whose entry opened the page (`/widget/<platform>`), if any. */
  platform: string | null;
}

const CONVERSATION_KEYS = ["conversation", "conversationId", "gcConversationId"] as const;
// Registry names are lowercase identifiers, e.g. eight_by_eight (the contract test checks them).
const PLATFORM_ENTRY = /\/widget\/([a-z][a-z0-9_]{1,30})\/?$/;

function nonEmpty(value: string | null): string | null {
  const trimmed = value?.trim() ?? "";
  // A placeholder Genesys did not fill in (`{{gcConversationId}}`) is no value.
  return trimmed === "" || trimmed.startsWith("{{") ? null : trimmed;
}

/** Parses the query and fragment of a widget URL. */
export function parseLaunchParams(url: URL): LaunchParams {
  const query = url.searchParams;
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
  let conversationId: string | null = null;
  for (const key of CONVERSATION_KEYS) {
    conversationId ??= nonEmpty(query.get(key));
  }
  return {
    tenant: nonEmpty(query.get("tenant")),
    conversationId,
    token: nonEmpty(fragment.get("token")),
    platform: PLATFORM_ENTRY.exec(url.pathname)?.[1] ?? null,
  };
}

/** Drops `token` from the fragment of the address bar, keeping everything else. */
export function scrubTokenFromLocation(): void {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
  if (!fragment.has("token")) {
    return;
  }
  fragment.delete("token");
  const rest = fragment.toString();
  url.hash = rest === "" ? "" : `#${rest}`;
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}
