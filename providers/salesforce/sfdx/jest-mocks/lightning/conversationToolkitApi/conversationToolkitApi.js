// Test stub of <lightning-conversation-toolkit-api>: Salesforce ships none for jest. Each
// method hands its call to the jest mock of the same name, which a test inspects (and can make
// fail) by importing it from 'lightning/conversationToolkitApi'.
import { LightningElement, api } from 'lwc';

export const getConversationLog = jest.fn(() => Promise.resolve({ messages: [] }));
export const sendTextMessage = jest.fn(() => Promise.resolve(true));
export const setAgentInput = jest.fn(() => Promise.resolve(true));

export default class ConversationToolkitApi extends LightningElement {
    @api getConversationLog(recordId) {
        return getConversationLog(recordId);
    }

    @api sendTextMessage(recordId, message) {
        return sendTextMessage(recordId, message);
    }

    @api setAgentInput(recordId, message, setAtCursor) {
        return setAgentInput(recordId, message, setAtCursor);
    }
}
