// The part of Five9's CRM SDK (five9.crm.sdk.js) the widget uses, and its loader. The SDK is
// Five9's: the page loads it from the URL in the tenant's integration settings at run time
// (the page's CSP allows that origin on this page only); cuecard never bundles or copies it.
// The SDK talks to the Five9 desktop itself (window.postMessage and a MessageChannel), so its
// traffic does not go through host.ts; only the page's frame-ancestors keeps other sites out.

/** `interactionApi.getMetadata()`: who the desktop is signed in as (numbers, per the JSDoc). */
export interface Five9Metadata {
  agentId: number | string;
  tenantId: number | string;
}

export type InteractionCallback = (payload: Record<string, unknown>) => void;

export interface InteractionApi {
  subscribe(callbacks: Record<string, InteractionCallback>): void;
  getMetadata(): Promise<Five9Metadata>;
  getCav(params: { interactionId: string }): Promise<unknown>;
}

export interface CrmSdk {
  interactionApi(): InteractionApi;
}

interface Five9Global {
  Five9?: { CrmSdk?: CrmSdk };
}

/** The SDK's entry point once its script ran, or null. */
export function crmSdk(win: Window): CrmSdk | null {
  return (win as unknown as Five9Global).Five9?.CrmSdk ?? null;
}

/** Loads `urls` one after another as classic scripts; rejects naming the one that failed. */
export async function loadScripts(doc: Document, urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    await new Promise<void>((resolve, reject) => {
      const script = doc.createElement("script");
      script.src = url;
      script.async = false;
      script.addEventListener("load", () => resolve());
      script.addEventListener("error", () => reject(new Error(`Five9's CRM SDK did not load from ${url}`)));
      doc.head.append(script);
    });
  }
}
