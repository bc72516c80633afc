/**
 * dynalite alone in a process (bench/dynalite-cpu.ts), so that its CPU can be read from /proc apart from the
 * client's: starts the local stack's DynamoServer and sends its endpoint to the parent over IPC.
 * Argument: JSON DynamoServerOptions (`{}` for the local stack's defaults).
 */
import { type DynamoServerOptions, startDynamoServer } from '../../cloud/local/dynamo-server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as DynamoServerOptions;
const server = await startDynamoServer(options);
process.send?.({ endpoint: server.endpoint });
// `stats`: the read cache's hits and misses so far.
process.on('message', () => process.send?.(server.readCacheStats()));
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
