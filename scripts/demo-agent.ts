/**
 * The simulated device agent that `npm start` runs, so that a new user sees live data on the dashboard at
 * once. It is the real agent (config validation, stamping, queue, link, acks) with `simulated` inputs; only
 * its queue lives in memory, since the demo's readings are not worth keeping across restarts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Agent, createAgent } from '../device-agent/src/agent.js';
import { formatProblems, loadConfig } from '../device-agent/src/config.js';
import { createInput, type InputConfig, validateInputsConfig } from '../device-agent/src/inputs/index.js';
import { silentLogger } from '../device-agent/src/log.js';

/** The demo sensors: three sines under `demo/`, which the dashboard subscribes to by default (`demo/#`). */
export const DEMO_INPUTS = [
  { type: 'simulated', topic: 'demo/greenhouse/temperature', center: 24, amplitude: 3, unit: '°C' },
  { type: 'simulated', topic: 'demo/office/temperature', center: 21, amplitude: 1.5, unit: '°C' },
  { type: 'simulated', topic: 'demo/greenhouse/humidity', center: 55, amplitude: 8, unit: '%' },
];

/** The device id the demo readings carry. */
export const DEMO_DEVICE_ID = 'demo-gateway';

/** A running demo agent. */
export interface DemoAgent {
  stop(): Promise<void>;
}

/** Starts the simulated agent against a bridge URL, through the same config validation as `device-agent run`. */
export async function startDemoAgent(bridgeUrl: string): Promise<DemoAgent> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'topic-bridge-demo-'));
  const configFile = path.join(stateDir, 'config.json');
  const fileConfig = {
    bridge: { url: bridgeUrl },
    device: { id: DEMO_DEVICE_ID },
    state: { dir: stateDir },
    queue: { kind: 'memory' },
    inputs: DEMO_INPUTS,
  };
  await writeFile(configFile, JSON.stringify(fileConfig));
  const loaded = await loadConfig({
    file: configFile,
    env: {},
    flags: {},
    validateInputs: validateInputsConfig,
  });
  if (!loaded.ok) {
    await rm(stateDir, { recursive: true, force: true });
    throw new Error(`the demo agent's configuration is invalid: ${formatProblems(loaded.problems)}`);
  }
  const agent: Agent = createAgent({
    config: loaded.config,
    inputs: loaded.config.inputs.map((input) => createInput(input as InputConfig)),
    logger: silentLogger(),
  });
  await agent.start();
  return {
    async stop() {
      await agent.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
