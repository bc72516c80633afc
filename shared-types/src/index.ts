/** The topic-bridge wire protocol, shared by the cloud, the device agent and the browser client. */
export * from './backoff.js';
export * from './claims.js';
export * from './connect-url.js';
export * from './describe-error.js';
export * from './error-codes.js';
export * from './frames.js';
export * from './grants.js';
export * from './http-publish.js';
export * from './limits.js';
export * from './protocol.js';
export * from './result.js';
export * from './topic-mapping.js';
export * from './topics.js';
export * from './utf8.js';
export * from './validate.js';
