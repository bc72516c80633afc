// Preloaded into the serverless-offline process (`node --import`): the local stack holds this process's
// stdin open, so end-of-file there means the parent is gone (even killed with SIGKILL). Exiting then, with
// the whole process group, leaves no orphan server holding ports after a crashed test run.
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';

// Only the main thread: a worker thread's stdin (serverless-offline's worker mode) ends at once, which would
// kill the stack on its first invocation.
if (isMainThread) {
  process.stdin.on('end', () => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  });
  process.stdin.resume();
}
