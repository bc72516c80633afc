export {
  type ConnectionPool,
  type ConnectionPoolOptions,
  createConnectionPool,
  type HttpRequest,
  SINGLE_WRITE_MAX_BODY_BYTES,
} from './connection-pool.js';
export {
  type HttpResponse,
  MAX_RESPONSE_BODY_BYTES,
  MAX_RESPONSE_HEAD_BYTES,
  type ParseResult,
  ResponseParser,
} from './response-parser.js';
