import { createOnMessageHandler } from './on-message-handler.js';

/** `$default`, Query variant (the default): finds subscribers with bounded Queries on the topic index. */
export const handler = createOnMessageHandler('query');
