import { createElement } from 'lwc';
import { APPLICATION_SCOPE, subscribe, unsubscribe } from 'lightning/messageService';
import { sendTextMessage, setAgentInput } from 'lightning/conversationToolkitApi';
import CuecardAssist from 'c/cuecardAssist';
import { forgetAll } from '../protocol';

const WIDGET_URL = 'https://cuecard.acme.example/widget/salesforce?tenant=acme';
const WIDGET_ORIGIN = 'https://cuecard.acme.example';
const SESSION = '0MwHo00000AbCdEKAZ';
const OTHER_SESSION = '0MwHo00000ZzYyXQAB';
const END_USER = 'lightning__conversationEndUserMessage';
const AGENT_SEND = 'lightning__conversationAgentSend';
const ENDED = 'lightning__conversationEnded';
// What @salesforce/user/Id is in jest (sfdx-lwc-jest's default).
const USER_ID = '005000000000000000';

function mount(props = {}) {
    const element = createElement('c-cuecard-assist', { is: CuecardAssist });
    Object.assign(element, {
        recordId: SESSION,
        objectApiName: 'MessagingSession',
        widgetUrl: WIDGET_URL,
        ...props
    });
    document.body.appendChild(element);
    return element;
}

function frameOf(element) {
    return element.shadowRoot.querySelector('iframe');
}

/** The handler the component subscribed to `channel` with (the latest subscription). */
function handlerFor(channel) {
    const calls = subscribe.mock.calls.filter((call) => call[1] === channel);
    return calls[calls.length - 1][2];
}

/** What the component posted to its iframe, with the target origins it used. */
function spyOnFrame(element) {
    const target = frameOf(element).contentWindow;
    return jest.spyOn(target, 'postMessage').mockImplementation(() => {});
}

function fromWidget(element, data, overrides = {}) {
    window.dispatchEvent(
        new MessageEvent('message', {
            data: { source: 'cuecard', version: 1, ...data },
            origin: WIDGET_ORIGIN,
            source: frameOf(element).contentWindow,
            ...overrides
        })
    );
}

function customerLine(recordId = SESSION, content = 'My router keeps dropping') {
    return { recordId, content, name: 'Dana', timestamp: 1795255202000 };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
    while (document.body.firstChild) {
        document.body.removeChild(document.body.firstChild);
    }
    forgetAll();
    jest.clearAllMocks();
});

describe('c-cuecard-assist', () => {
    it('frames the widget with its record and the Lightning origin', () => {
        const element = mount();
        const src = new URL(frameOf(element).src);
        expect(src.origin).toBe(WIDGET_ORIGIN);
        expect(src.searchParams.get('tenant')).toBe('acme');
        expect(src.searchParams.get('conversation')).toBe(SESSION);
        expect(src.searchParams.get('hostOrigin')).toBe(window.location.origin);
    });

    it('frames the widget without a conversation on a Case page', () => {
        const element = mount({ recordId: '500Ho00000Cs1cQIAR', objectApiName: 'Case' });
        const src = new URL(frameOf(element).src);
        expect(src.searchParams.has('conversation')).toBe(false);
    });

    it.each(['http://cuecard.acme.example/widget/salesforce', 'javascript:alert(1)', 'not a url'])(
        'refuses to frame %s',
        (widgetUrl) => {
            const element = mount({ widgetUrl });
            expect(frameOf(element)).toBeNull();
            expect(element.shadowRoot.querySelector('.problem').textContent).toContain('Widget URL');
        }
    );

    it('subscribes to the three conversation channels with application scope', () => {
        mount();
        const channels = subscribe.mock.calls.map((call) => call[1]);
        expect(channels).toEqual([END_USER, AGENT_SEND, ENDED]);
        subscribe.mock.calls.forEach((call) => expect(call[3]).toEqual({ scope: APPLICATION_SCOPE }));
    });

    it('posts the context, then its record\'s events, only to the widget origin', () => {
        const element = mount();
        const posted = spyOnFrame(element);
        fromWidget(element, { type: 'widget.ready', platform: 'salesforce' });
        handlerFor(END_USER)(customerLine());
        handlerFor(AGENT_SEND)({ recordId: SESSION, content: 'Let me check', name: 'Ann', timestamp: 1795255230000 });
        handlerFor(ENDED)({ recordId: SESSION });

        const messages = posted.mock.calls.map(([message]) => message);
        expect(posted.mock.calls.every(([, origin]) => origin === WIDGET_ORIGIN)).toBe(true);
        expect(messages.map((m) => m.type)).toEqual(['context', 'lms', 'lms', 'lms']);
        expect(messages[0]).toMatchObject({
            cuecard: 'salesforce/1',
            recordId: SESSION,
            objectApiName: 'MessagingSession',
            userId: USER_ID
        });
        expect(messages.slice(1).map((m) => m.channel)).toEqual([END_USER, AGENT_SEND, ENDED]);
        expect(messages[1].payload).toEqual(customerLine());
    });

    it('keeps only the events of its own record', () => {
        const element = mount();
        const posted = spyOnFrame(element);
        fromWidget(element, { type: 'widget.ready', platform: 'salesforce' });
        posted.mockClear();
        handlerFor(END_USER)(customerLine(OTHER_SESSION, 'Another conversation'));
        handlerFor(ENDED)({ recordId: OTHER_SESSION });
        expect(posted).not.toHaveBeenCalled();
    });

    it('holds events until the widget is ready, then hands them in after the context', () => {
        const element = mount();
        const posted = spyOnFrame(element);
        handlerFor(END_USER)(customerLine());
        expect(posted).not.toHaveBeenCalled();
        fromWidget(element, { type: 'widget.ready', platform: 'salesforce' });
        expect(posted.mock.calls.map(([m]) => m.type)).toEqual(['context', 'lms']);
    });

    it('hands a re-rendered component\'s widget the lines seen so far', () => {
        const first = mount();
        handlerFor(END_USER)(customerLine());
        document.body.removeChild(first);
        expect(unsubscribe).toHaveBeenCalledTimes(3);

        const second = mount();
        const posted = spyOnFrame(second);
        fromWidget(second, { type: 'widget.ready', platform: 'salesforce' });
        const lines = posted.mock.calls.map(([m]) => m).filter((m) => m.type === 'lms');
        expect(lines).toHaveLength(1);
        expect(lines[0].payload.content).toBe('My router keeps dropping');
    });

    it.each([
        ['another origin', { origin: 'https://evil.example' }],
        ['another window', { source: window }]
    ])('ignores a toolkit request from %s', async (_, overrides) => {
        const element = mount();
        fromWidget(element, { type: 'desktop.action', request_id: 'r-1', action: 'send_text', conversation_id: SESSION, text: 'Hi' }, overrides);
        await flush();
        expect(sendTextMessage).not.toHaveBeenCalled();
    });

    it('sends a card\'s text to the customer when the agent clicks Send', async () => {
        const element = mount();
        const posted = spyOnFrame(element);
        const text = 'Restart the router, then hold the reset button for 10 seconds.';
        fromWidget(element, { type: 'desktop.action', request_id: 'r-1', action: 'send_text', conversation_id: SESSION, text });
        await flush();
        expect(sendTextMessage).toHaveBeenCalledWith(SESSION, { text });
        expect(posted).toHaveBeenCalledWith(
            { type: 'desktop.action.result', request_id: 'r-1', ok: true },
            WIDGET_ORIGIN
        );
    });

    it('puts a card\'s text in the agent\'s box when the agent clicks Insert', async () => {
        const element = mount();
        fromWidget(element, { type: 'desktop.action', request_id: 'r-2', action: 'insert_text', conversation_id: SESSION, text: 'Hello Dana' });
        await flush();
        expect(setAgentInput).toHaveBeenCalledWith(SESSION, { text: 'Hello Dana' }, true);
        expect(sendTextMessage).not.toHaveBeenCalled();
    });

    it('tells the widget when the toolkit refuses', async () => {
        sendTextMessage.mockImplementationOnce(() => Promise.reject(new Error('session is closed')));
        const element = mount();
        const posted = spyOnFrame(element);
        fromWidget(element, { type: 'desktop.action', request_id: 'r-3', action: 'send_text', conversation_id: SESSION, text: 'Hi' });
        await flush();
        expect(posted).toHaveBeenCalledWith(
            expect.objectContaining({ request_id: 'r-3', ok: false, message: 'the conversation toolkit refused: session is closed' }),
            WIDGET_ORIGIN
        );
    });

    it.each([
        [{ action: 'end_chat', conversation_id: SESSION, text: 'bye' }, 'unknown desktop action: end_chat'],
        [{ action: 'send_text', conversation_id: OTHER_SESSION, text: 'Hi' }, 'conversation_id: not the conversation on this page'],
        [{ action: 'send_text', conversation_id: SESSION, text: '   ' }, 'text: a non-empty string is required'],
        [{ action: 'send_text', conversation_id: SESSION, text: 'x'.repeat(10001) }, 'text: at most 10000 characters']
    ])('refuses a malformed toolkit request %#', async (request, error) => {
        const element = mount();
        const posted = spyOnFrame(element);
        fromWidget(element, { type: 'desktop.action', request_id: 'r-4', ...request });
        await flush();
        expect(sendTextMessage).not.toHaveBeenCalled();
        expect(posted).toHaveBeenCalledWith(expect.objectContaining({ ok: false, message: error }), WIDGET_ORIGIN);
    });

    it('does not send from a Case page', async () => {
        const caseId = '500Ho00000Cs1cQIAR';
        const element = mount({ recordId: caseId, objectApiName: 'Case' });
        const posted = spyOnFrame(element);
        fromWidget(element, { type: 'desktop.action', request_id: 'r-5', action: 'send_text', conversation_id: caseId, text: 'Hi' });
        await flush();
        expect(sendTextMessage).not.toHaveBeenCalled();
        expect(posted).toHaveBeenCalledWith(expect.objectContaining({ ok: false }), WIDGET_ORIGIN);
    });

    it('stops listening once removed', async () => {
        const element = mount();
        const frameWindow = frameOf(element).contentWindow;
        document.body.removeChild(element);
        window.dispatchEvent(
            new MessageEvent('message', {
                data: { source: 'cuecard', version: 1, type: 'desktop.action', request_id: 'r-6', action: 'send_text', conversation_id: SESSION, text: 'Hi' },
                origin: WIDGET_ORIGIN,
                source: frameWindow
            })
        );
        await flush();
        expect(sendTextMessage).not.toHaveBeenCalled();
    });
});
