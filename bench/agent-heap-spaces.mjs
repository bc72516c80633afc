/**
 * A preload for the agent's process (issue 10, benchmark 6): every 500 ms, appends one JSON line with VmRSS,
 * RssAnon and RssFile (from /proc/self/status), V8's heap spaces and node's external and array-buffer memory,
 * so that an RSS figure can be split into file pages, V8's spaces and the rest.
 * Run: npx tsx bench/agent-sink.ts --agent-node-args='--max-semi-space-size=1 --import=./bench/agent-heap-spaces.mjs'
 * (lines go to AGENT_HEAP_SPACES_FILE, default /tmp/agent-heap-spaces-<pid>.jsonl; times are ms since the start).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';

const SAMPLE_EVERY_MS = 500;
const out = process.env.AGENT_HEAP_SPACES_FILE ?? `/tmp/agent-heap-spaces-${process.pid}.jsonl`;
const started = Date.now();
const mb = (bytes) => +(bytes / 1048576).toFixed(2);

setInterval(() => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name) => mb(Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024);
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_size)]),
  );
  const memory = process.memoryUsage();
  const line = {
    ms: Date.now() - started,
    rssMB: field('VmRSS'),
    anonMB: field('RssAnon'),
    fileMB: field('RssFile'),
    externalMB: mb(memory.external),
    arrayBuffersMB: mb(memory.arrayBuffers),
    spacesMB: spaces,
  };
  appendFileSync(out, `${JSON.stringify(line)}\n`);
}, SAMPLE_EVERY_MS).unref();
