import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import type mqtt from 'mqtt';
import { systemClock, systemTimers, type Timers } from '../../timers.js';
import { STOP_GRACE_MS } from '../defaults.js';

export type { Timers } from '../../timers.js';

/** Reads at most `maxBytes` of a file; resolves with the text and whether the file was longer. */
export type ReadTextFile = (path: string, maxBytes: number) => Promise<{ text: string; truncated: boolean }>;

/** What inputs use from the outside world, each replaceable in tests. All optional: defaults are Node's. */
export interface InputDeps {
  clock?: () => number;
  timers?: Timers;
  random?: () => number;
  spawn?: typeof spawn;
  readTextFile?: ReadTextFile;
  stdin?: NodeJS.ReadableStream;
  /** mqtt.js's `connect`; by default mqtt.js is loaded when an MQTT input starts (not by agents without one). */
  mqttConnect?: typeof mqtt.connect;
  hostname?: () => string;
  /** How long `stop()` waits for readings already handed to the agent (default STOP_GRACE_MS). */
  stopGraceMs?: number;
}

/** InputDeps with every default filled in (mqtt.js's `connect` is looked up when an MQTT input starts). */
export type ResolvedDeps = Required<Omit<InputDeps, 'mqttConnect'>> & Pick<InputDeps, 'mqttConnect'>;

async function readTextFile(path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return {
      text: buffer.subarray(0, Math.min(length, maxBytes)).toString('utf8'),
      truncated: length > maxBytes,
    };
  } finally {
    await handle.close();
  }
}

/** Fills in Node's defaults; timers call the globals at call time so that fake timers installed later apply. */
export function resolveDeps(deps: InputDeps = {}): ResolvedDeps {
  return {
    clock: deps.clock ?? systemClock,
    timers: deps.timers ?? systemTimers,
    random: deps.random ?? Math.random,
    spawn: deps.spawn ?? spawn,
    readTextFile: deps.readTextFile ?? readTextFile,
    stdin: deps.stdin ?? process.stdin,
    ...(deps.mqttConnect ? { mqttConnect: deps.mqttConnect } : {}),
    hostname: deps.hostname ?? hostname,
    stopGraceMs: deps.stopGraceMs ?? STOP_GRACE_MS,
  };
}
