// What the Five9 module forwards to the server for each interactionApi callback (the bridge's
// host messages, providers/five9/mapping.py): the desktop's agent and Five9 domain, the
// interaction's id, skill and campaign, and on offer its call-attached variables. Phone
// numbers and other fields of callData stay in the browser.

import type { Five9Metadata } from "./sdk";

/** interactionApi lifecycle callbacks (protocols.md 4.1) the module subscribes to. */
export const LIFECYCLE = [
  "callStarted", "callAccepted", "callRejected", "callEnded", "callFinished",
  "chatOffered", "chatAccepted", "chatRejected", "chatTransferred", "chatEnded", "chatFinished",
  "emailOffered", "emailAccepted", "emailRejected", "emailTransferred", "emailFinished",
] as const;

/** Callbacks on which the interaction is offered or taken: its variables hold the handoff. */
export const OFFERED = new Set<string>([
  "callStarted", "callAccepted", "chatOffered", "chatAccepted", "emailOffered", "emailAccepted",
]);

const DATA_FIELDS = { call: "callData", chat: "chatData", email: "emailData" } as const;

type DataField = (typeof DATA_FIELDS)[keyof typeof DATA_FIELDS];

export interface InteractionData {
  interactionId: string;
  skillName?: string;
  campaignName?: string;
}

export interface CallVariable {
  id?: string;
  name: string;
  group?: string;
  value: string | number | boolean | null;
}

export interface InteractionMessage {
  type: "interaction";
  reason: string;
  metadata: Five9Metadata;
  callData?: InteractionData;
  chatData?: InteractionData;
  emailData?: InteractionData;
  cavs: CallVariable[];
}

export interface MetadataMessage {
  type: "metadata";
  metadata: Five9Metadata;
}

/** The first message: who the desktop is signed in as (refused if not the session's agent). */
export function metadataMessage(metadata: Five9Metadata): MetadataMessage {
  return { type: "metadata", metadata: { agentId: metadata.agentId, tenantId: metadata.tenantId } };
}

/** The interaction a callback is about, read from its payload; null if it names none. */
export function interactionOf(reason: string, payload: Record<string, unknown>): InteractionData | null {
  const field = dataField(reason);
  const data = field === null ? undefined : payload[field];
  if (typeof data !== "object" || data === null) {
    return null;
  }
  const record = data as Record<string, unknown>;
  const id = record["interactionId"];
  if (typeof id !== "string" || id === "") {
    return null;
  }
  const picked: InteractionData = { interactionId: id };
  for (const key of ["skillName", "campaignName"] as const) {
    const value = record[key];
    if (typeof value === "string" && value.trim() !== "") {
      picked[key] = value;
    }
  }
  return picked;
}

/** The host message for one callback, or null when it is about no interaction. */
export function interactionMessage(
  reason: string,
  payload: Record<string, unknown>,
  metadata: Five9Metadata,
  cavs: unknown,
): InteractionMessage | null {
  const field = dataField(reason);
  const data = interactionOf(reason, payload);
  if (field === null || data === null) {
    return null;
  }
  return { type: "interaction", reason, metadata, [field]: data, cavs: callVariables(cavs) };
}

/** `getCav()`'s answer as a list of variables; anything else is no variables. */
export function callVariables(answer: unknown): CallVariable[] {
  const list = Array.isArray(answer) ? answer : [];
  return list.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) {
      return [];
    }
    const cav = item as Record<string, unknown>;
    const name = cav["name"];
    const value = cav["value"];
    if (typeof name !== "string" || name === "") {
      return [];
    }
    const scalar = value === undefined || ["string", "number", "boolean"].includes(typeof value) || value === null;
    const variable: CallVariable = { name, value: scalar ? ((value ?? null) as CallVariable["value"]) : null };
    if (typeof cav["group"] === "string" && cav["group"] !== "") {
      variable.group = cav["group"];
    }
    if (typeof cav["id"] === "string") {
      variable.id = cav["id"];
    }
    return [variable];
  });
}

function dataField(reason: string): DataField | null {
  for (const [prefix, field] of Object.entries(DATA_FIELDS)) {
    if (reason.startsWith(prefix)) {
      return field;
    }
  }
  return null;
}
