import { createOnMessageHandler } from './on-message-handler.js';

/** `$default`, Scan variant: finds subscribers with a paginated Scan of the whole table. */
export const handler = createOnMessageHandler('scan');
