import { compileTopicMapping, type TopicMapping } from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import { loadIotBridgeConfig } from '../../src/config.js';
import { buildIotFrame } from '../../src/core/iot-bridge.js';
import { iotRuleSql, parseIotRuleEvent } from '../../src/core/iot-rule-event.js';
import { ConfigError } from '../../src/errors.js';
import { RECEIVED_AT, ruleEvent } from './iot-events.js';

function mapping(filter: string, template?: string): TopicMapping {
  const compiled = compileTopicMapping(filter, template);
  if (!compiled.ok) throw new Error(compiled.error.reason);
  return compiled.value;
}

describe('IoT rule events', () => {
  it('the rule SQL base64-encodes every payload and selects the topic, time, client id and trace id', () => {
    expect(iotRuleSql('sensors/#')).toBe(
      "SELECT encode(*, 'base64') AS payloadBase64, topic() AS mqttTopic, timestamp() AS receivedAt, " +
        "clientid() AS clientId, traceid() AS traceId FROM 'sensors/#'",
    );
  });

  it('keeps the optional fields only when they have the right type', () => {
    expect(
      parseIotRuleEvent({ payloadBase64: 'MQ==', mqttTopic: 'sensors/a', receivedAt: 'soon', clientId: '' }),
    ).toEqual({
      ok: true,
      value: { payloadBase64: 'MQ==', mqttTopic: 'sensors/a' },
    });
  });

  it('refuses a payload that is not base64, and an event without a topic', () => {
    const notBase64 = parseIotRuleEvent({ payloadBase64: '{"a":1}', mqttTopic: 'sensors/a' });
    expect(notBase64.ok ? '' : notBase64.error.code).toBe('missing_message');
    const noTopic = parseIotRuleEvent({ payloadBase64: 'MQ==' });
    expect(noTopic).toEqual({
      ok: false,
      error: {
        code: 'invalid_topic',
        reason: 'the IoT rule event has no "mqttTopic": the rule SQL must select topic() AS mqttTopic',
      },
    });
  });

  it('maps the MQTT topic with a template, as the agent would', () => {
    const event = ruleEvent('sensors/gateway-07/cpu/temp', '21.5', {
      traceId: undefined,
      clientId: undefined,
    });
    const parsed = parseIotRuleEvent(event);
    if (!parsed.ok) throw new Error(parsed.error.reason);
    expect(buildIotFrame(parsed.value, mapping('sensors/+/#', 'site1/{2}/#'))).toEqual({
      ok: true,
      value: {
        topic: 'site1/gateway-07/cpu/temp',
        text: JSON.stringify({
          topic: 'site1/gateway-07/cpu/temp',
          message: {
            mqttTopic: 'sensors/gateway-07/cpu/temp',
            retained: false,
            encoding: 'json',
            payload: 21.5,
          },
          ts: RECEIVED_AT,
        }),
      },
    });
  });

  it('leaves out a trace id too long to be a frame id', () => {
    const parsed = parseIotRuleEvent(ruleEvent('sensors/a', '1', { traceId: 'x'.repeat(65) }));
    if (!parsed.ok) throw new Error(parsed.error.reason);
    const frame = buildIotFrame(parsed.value, mapping('sensors/#'));
    expect(frame.ok && JSON.parse(frame.value.text).id).toBeUndefined();
  });
});

describe('IoT bridge configuration', () => {
  it('defaults to the sensors/# filter with topics unchanged', () => {
    expect(loadIotBridgeConfig({}).mapping).toMatchObject({ filter: 'sensors/#', template: 'sensors/#' });
  });

  it('names the variable of a bad template', () => {
    expect(() => loadIotBridgeConfig({ IOT_TOPIC_FILTER: 'sensors/+', IOT_TOPIC_TEMPLATE: 'x/#' })).toThrow(
      new ConfigError(
        'IOT_TOPIC_FILTER / IOT_TOPIC_TEMPLATE: topic template "x/#" uses "#" but the filter "sensors/+" does not end with "#"',
      ),
    );
  });
});
