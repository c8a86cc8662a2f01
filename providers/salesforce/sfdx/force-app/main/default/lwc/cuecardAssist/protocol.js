/**
 * The postMessage protocol between the cuecardAssist component (the host) and the cuecard
 * widget it frames (cuecard's docs/socketio.md, "The widget and its desktop").
 *
 * Host -> widget, forwarded by the widget to cuecard unchanged (the Salesforce bridge,
 * providers/salesforce/mapping.py, turns them into conversation events):
 *   {cuecard: "salesforce/1", type: "context", recordId, objectApiName, userId, observedAt}
 *   {cuecard: "salesforce/1", type: "lms", channel, recordId, objectApiName, userId,
 *    observedAt, payload}
 * and the answer to a desktop action, which the widget keeps:
 *   {type: "desktop.action.result", request_id, ok, message?}
 * Widget -> host (cuecard's envelope):
 *   {source: "cuecard", version: 1, type: "widget.ready", platform: "salesforce"}
 *   {source: "cuecard", version: 1, type: "desktop.action", request_id,
 *    action: "send_text" | "insert_text", conversation_id, text}
 */

export const PROTOCOL = 'salesforce/1';
export const ENVELOPE_SOURCE = 'cuecard';
export const ENVELOPE_VERSION = 1;

export const CHANNELS = Object.freeze([
    'lightning__conversationEndUserMessage',
    'lightning__conversationAgentSend',
    'lightning__conversationEnded'
]);

// cuecard's desktop actions and the conversation toolkit method that carries each out.
export const TOOLKIT_ACTIONS = Object.freeze({ send_text: 'sendMessage', insert_text: 'setAgentInput' });

// Record pages whose record is the conversation itself.
export const CONVERSATION_OBJECTS = Object.freeze(['MessagingSession', 'VoiceCall']);

// Longest text the widget may ask the toolkit to send or insert.
export const MAX_TEXT = 10000;

// Lines kept per conversation so a re-rendered component can hand them in again.
export const BUFFER_LINES = 200;

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The widget's origin, or null when the URL is not one the component may frame: https, or
 * http only on this machine (for trying cuecard locally).
 */
export function widgetOriginOf(widgetUrl) {
    let url;
    try {
        url = new URL(widgetUrl);
    } catch (e) {
        return null;
    }
    const local = url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
    if (url.protocol !== 'https:' && !local) {
        return null;
    }
    return url.origin;
}

/** The iframe's src: the admin's widget URL plus the record and the Lightning origin. */
export function frameUrl(widgetUrl, { recordId, objectApiName, hostOrigin }) {
    const url = new URL(widgetUrl);
    if (recordId && CONVERSATION_OBJECTS.includes(objectApiName)) {
        url.searchParams.set('conversation', recordId);
    }
    url.searchParams.set('hostOrigin', hostOrigin);
    return url.toString();
}

function envelope(type, host, extra) {
    return {
        cuecard: PROTOCOL,
        type,
        recordId: host.recordId,
        objectApiName: host.objectApiName,
        userId: host.userId,
        observedAt: new Date().toISOString(),
        ...extra
    };
}

/** The record the component sits on. */
export function contextMessage(host) {
    return envelope('context', host, {});
}

/**
 * A conversation event for the widget, or null when it is about another record (the
 * channels are application-scoped broadcasts: every open conversation's events arrive).
 */
export function lmsMessage(host, channel, payload) {
    if (!payload || payload.recordId !== host.recordId) {
        return null;
    }
    const copy = { recordId: payload.recordId };
    for (const field of ['content', 'name', 'timestamp']) {
        if (payload[field] !== undefined && payload[field] !== null) {
            copy[field] = payload[field] instanceof Date ? payload[field].toISOString() : payload[field];
        }
    }
    return envelope('lms', host, { channel, payload: copy });
}

/** A message in cuecard's widget envelope ({type, ...}), else null. */
export function widgetMessage(data) {
    if (!data || typeof data !== 'object') {
        return null;
    }
    if (data.source !== ENVELOPE_SOURCE || data.version !== ENVELOPE_VERSION) {
        return null;
    }
    return typeof data.type === 'string' ? data : null;
}

/**
 * The toolkit method and text a desktop action asks for on this record, or an error saying
 * what is wrong with it.
 */
export function readAction(data, recordId) {
    const method = Object.prototype.hasOwnProperty.call(TOOLKIT_ACTIONS, data.action)
        ? TOOLKIT_ACTIONS[data.action]
        : null;
    if (!method) {
        return { error: `unknown desktop action: ${String(data.action)}` };
    }
    if (data.conversation_id !== recordId) {
        return { error: 'conversation_id: not the conversation on this page' };
    }
    if (typeof data.text !== 'string' || !data.text.trim()) {
        return { error: 'text: a non-empty string is required' };
    }
    if (data.text.length > MAX_TEXT) {
        return { error: `text: at most ${MAX_TEXT} characters` };
    }
    return { method, text: data.text };
}

/** The answer to a desktop action, as the widget expects it. */
export function actionResult(requestId, error) {
    const result = { type: 'desktop.action.result', request_id: String(requestId ?? '') };
    return error ? { ...result, ok: false, message: error } : { ...result, ok: true };
}

/**
 * Conversation events seen on this page, per record, shared by every instance of the
 * component: a re-rendered component hands them to its new widget again, and cuecard drops
 * the lines it already has (their event ids are stable).
 */
const seen = new Map();

export function remember(recordId, message) {
    const lines = seen.get(recordId) || [];
    lines.push(message);
    if (lines.length > BUFFER_LINES) {
        lines.splice(0, lines.length - BUFFER_LINES);
    }
    seen.set(recordId, lines);
}

export function remembered(recordId) {
    return [...(seen.get(recordId) || [])];
}

export function forgetAll() {
    seen.clear();
}
