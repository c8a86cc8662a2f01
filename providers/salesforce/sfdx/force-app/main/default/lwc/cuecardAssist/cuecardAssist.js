import { LightningElement, api, wire } from 'lwc';
import { APPLICATION_SCOPE, MessageContext, subscribe, unsubscribe } from 'lightning/messageService';
import END_USER_MESSAGE from '@salesforce/messageChannel/lightning__conversationEndUserMessage';
import AGENT_SEND from '@salesforce/messageChannel/lightning__conversationAgentSend';
import CONVERSATION_ENDED from '@salesforce/messageChannel/lightning__conversationEnded';
import USER_ID from '@salesforce/user/Id';
import {
    CHANNELS,
    actionResult,
    contextMessage,
    frameUrl,
    lmsMessage,
    readAction,
    remember,
    remembered,
    widgetMessage,
    widgetOriginOf
} from './protocol';

const CHANNEL_REFS = [END_USER_MESSAGE, AGENT_SEND, CONVERSATION_ENDED];

/**
 * Frames the cuecard widget on a Messaging Session (or Voice Call, or Case) record page,
 * hands it this conversation's Lightning Message Service events, and runs the conversation
 * toolkit when the agent clicks Send or Insert on a suggestion card.
 *
 * Messages go to the widget only with its exact origin as the target, and are accepted from
 * it only when they come from this component's own iframe and that origin. No secret is a
 * property of this component: the agent signs in to cuecard inside the widget.
 */
export default class CuecardAssist extends LightningElement {
    @api recordId;
    @api objectApiName;
    /** https://<cuecard>/widget/salesforce?tenant=<tenant>, from cuecard's Embedding page. */
    @api widgetUrl;
    @api height = 560;

    @wire(MessageContext) messageContext;

    subscriptions = [];
    ready = false;
    onWindowMessage = (event) => this.handleWindowMessage(event);

    get widgetOrigin() {
        return this.widgetUrl ? widgetOriginOf(this.widgetUrl) : null;
    }

    get frameSrc() {
        if (!this.widgetOrigin) {
            return null;
        }
        return frameUrl(this.widgetUrl, {
            recordId: this.recordId,
            objectApiName: this.objectApiName,
            hostOrigin: window.location.origin
        });
    }

    get problem() {
        return 'Set this component\'s Widget URL to the https address cuecard\'s Embedding page gives.';
    }

    /** The conversation toolkit works only on an open Messaging Session record page. */
    get isMessagingSession() {
        return this.objectApiName === 'MessagingSession';
    }

    get frameStyle() {
        const height = Number(this.height) > 0 ? Number(this.height) : 560;
        return `height: ${height}px;`;
    }

    get host() {
        return { recordId: this.recordId, objectApiName: this.objectApiName, userId: USER_ID };
    }

    connectedCallback() {
        window.addEventListener('message', this.onWindowMessage);
        this.subscriptions = CHANNELS.map((channel, index) =>
            subscribe(
                this.messageContext,
                CHANNEL_REFS[index],
                (payload) => this.handleConversationEvent(channel, payload),
                { scope: APPLICATION_SCOPE }
            )
        );
    }

    disconnectedCallback() {
        window.removeEventListener('message', this.onWindowMessage);
        this.subscriptions.forEach((subscription) => unsubscribe(subscription));
        this.subscriptions = [];
        this.ready = false;
    }

    handleConversationEvent(channel, payload) {
        const message = lmsMessage(this.host, channel, payload);
        if (!message) {
            return;
        }
        // Kept for a widget that is still loading (or loads again later): it gets them on ready.
        remember(this.recordId, message);
        if (this.ready) {
            this.post(message);
        }
    }

    handleWindowMessage(event) {
        const frame = this.refs && this.refs.frame;
        if (!frame || event.source !== frame.contentWindow || event.origin !== this.widgetOrigin) {
            return;
        }
        const message = widgetMessage(event.data);
        if (!message) {
            return;
        }
        if (message.type === 'widget.ready') {
            this.handleReady();
        } else if (message.type === 'desktop.action') {
            this.runAction(message);
        }
    }

    handleReady() {
        // A widget that (re)loads gets the record first, then every line seen for it: lines it
        // already had are dropped by cuecard, whose event ids do not change.
        this.ready = true;
        this.post(contextMessage(this.host));
        remembered(this.recordId).forEach((message) => this.post(message));
    }

    async runAction(message) {
        const request = readAction(message, this.recordId);
        if (request.error) {
            this.post(actionResult(message.request_id, request.error));
            return;
        }
        try {
            await this.callToolkit(request.method, request.text);
            this.post(actionResult(message.request_id));
        } catch (error) {
            const said = (error && (error.message || error.body?.message)) || String(error);
            this.post(actionResult(message.request_id, `the conversation toolkit refused: ${said}`));
        }
    }

    async callToolkit(method, text) {
        if (!this.isMessagingSession) {
            throw new Error('Send and Insert work on a Messaging Session page only');
        }
        const toolkit = this.refs.toolkit;
        if (method === 'setAgentInput') {
            // Insert at the cursor, keeping what the agent already typed.
            return toolkit.setAgentInput(this.recordId, { text }, true);
        }
        // Enhanced Messaging's LWC method; older orgs only have the chat-era sendMessage.
        if (typeof toolkit.sendTextMessage === 'function') {
            return toolkit.sendTextMessage(this.recordId, { text });
        }
        return toolkit.sendMessage({ recordId: this.recordId, message: { text } });
    }

    post(message) {
        const frame = this.refs && this.refs.frame;
        if (frame && frame.contentWindow && this.widgetOrigin) {
            frame.contentWindow.postMessage(message, this.widgetOrigin);
        }
    }
}
