import { describe, expect, it } from 'vitest';
import { createInput, type MqttInput, validateInputsConfig } from '../../src/inputs/index.js';
import { freePort } from './support/brokers.js';
import { RecordingContext } from './support/recording-context.js';

function mqttInput(extra: Record<string, unknown>): MqttInput {
  const validated = validateInputsConfig([
    {
      type: 'mqtt',
      subscriptions: [{ filter: 'a/#' }],
      reconnectMinSeconds: 0.05,
      reconnectMaxSeconds: 0.1,
      ...extra,
    },
  ]);
  if (!validated.ok) throw new Error(validated.error.reason);
  return createInput(validated.value[0] as Parameters<typeof createInput>[0], {
    stopGraceMs: 100,
  }) as MqttInput;
}

describe('mqtt input failures', () => {
  it('starts without waiting for an unreachable broker, logs the problem once, and stops cleanly', async () => {
    const port = await freePort(); // nothing listens there
    const context = new RecordingContext();
    const input = mqttInput({ url: `mqtt://127.0.0.1:${port}` });
    await input.start(context);
    // Several reconnect attempts (each repeat is a debug line), however long a loaded machine takes for them.
    await context.waitForLogs('debug', 2);
    await input.stop();
    expect(context.lines('warn')).toEqual([
      `MQTT connection problem; reconnecting with backoff: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    // Every debug line is a repeat of that one problem.
    expect(new Set(context.lines('debug'))).toEqual(new Set(context.lines('warn')));
    expect(context.readings).toEqual([]);
  });

  it('fails to start when a TLS file is missing, naming the key and the path', async () => {
    const input = mqttInput({ url: 'mqtts://127.0.0.1:8883', caFile: '/nonexistent/ca.pem' });
    await expect(input.start(new RecordingContext())).rejects.toThrow(
      'cannot read caFile /nonexistent/ca.pem: ENOENT; check the path and its permissions',
    );
  });
});
