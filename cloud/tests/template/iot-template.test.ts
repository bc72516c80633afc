import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iotRuleSql } from '../../src/core/iot-rule-event.js';
import { type PackagedService, packageService, type Template } from './package-service.js';
import { listZipEntries } from './zip-entries.js';

/**
 * The AWS IoT Core part of serverless.yml, from `sls package` output: the topic rule and its error action,
 * the failure queue, the iotBridge function's least-privilege role, and the gateways' IoT policy.
 */

const PACKAGE_TIMEOUT_MS = 180_000;
const MAX_BUNDLE_BYTES = 700 * 1024;
const QUEUE_ARN = { 'Fn::GetAtt': ['IotBridgeFailureQueue', 'Arn'] };
const TABLE_ARN = { 'Fn::GetAtt': ['ConnectionsTable', 'Arn'] };

let standard: PackagedService;
let custom: PackagedService;

beforeAll(async () => {
  [standard, custom] = await Promise.all([
    packageService(),
    packageService({
      onMessage: 'scan',
      iotTopicFilter: 'plant/+/telemetry/#',
      iotGatewayTopicRoot: 'plant',
    }),
  ]);
}, PACKAGE_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([standard?.remove(), custom?.remove()]);
});

function resource(template: Template, logicalId: string, type: string) {
  const found = template.Resources[logicalId];
  expect(found?.Type).toBe(type);
  return found?.Properties as Record<string, unknown>;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function statementsOf(template: Template, roleId: string): Statement[] {
  const policies = resource(template, roleId, 'AWS::IAM::Role').Policies as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

/** Renders a CloudFormation value as text: `{Ref: X}` as `{X}`, Fn::Join joined, lists comma-separated; enough to read ARNs. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(', ');
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `{${object.Ref}}`;
  if ('Fn::GetAtt' in object) return `{${(object['Fn::GetAtt'] as string[]).join('.')}}`;
  const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
  return parts.map(render).join(separator);
}

const allow = (Action: string[], Resource: unknown): Statement => ({ Effect: 'Allow', Action, Resource });

describe('sls package: the AWS IoT topic rule', () => {
  it('selects every payload base64-encoded with SQL version 2016-03-23 and invokes iotBridge', () => {
    const rule = resource(standard.template, 'IotBridgeIotTopicRule1', 'AWS::IoT::TopicRule');
    expect(rule.TopicRulePayload).toEqual({
      RuleDisabled: false,
      Sql: iotRuleSql('sensors/#'),
      AwsIotSqlVersion: '2016-03-23',
      Description: 'MQTT messages to WebSocket subscribers (topic-bridge bridge)',
      Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': ['IotBridgeLambdaFunction', 'Arn'] } } }],
      ErrorAction: {
        Sqs: {
          QueueUrl: { Ref: 'IotBridgeFailureQueue' },
          RoleArn: { 'Fn::GetAtt': ['IotRuleErrorActionRole', 'Arn'] },
          UseBase64: false,
        },
      },
    });
  });

  it('takes its topic filter from the iotTopicFilter parameter', () => {
    const rule = resource(custom.template, 'IotBridgeIotTopicRule1', 'AWS::IoT::TopicRule');
    expect((rule.TopicRulePayload as { Sql: string }).Sql).toBe(iotRuleSql('plant/+/telemetry/#'));
  });

  it('lets only AWS IoT invoke the function, and only from this rule', () => {
    const permissions = Object.values(standard.template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'iot.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.Properties.FunctionName).toEqual({
      'Fn::GetAtt': ['IotBridgeLambdaFunction', 'Arn'],
    });
    expect(render(permissions[0]?.Properties.SourceArn)).toBe(
      'arn:{AWS::Partition}:iot:{AWS::Region}:{AWS::AccountId}:rule/{IotBridgeIotTopicRule1}',
    );
  });
});

describe('sls package: failures are kept, not lost', () => {
  it('retries a failed event twice, then sends it to the failure queue', () => {
    expect(resource(standard.template, 'IotBridgeLambdaEvConf', 'AWS::Lambda::EventInvokeConfig')).toEqual({
      FunctionName: { Ref: 'IotBridgeLambdaFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: QUEUE_ARN } },
    });
  });

  it('keeps failures 14 days in an encrypted queue', () => {
    expect(resource(standard.template, 'IotBridgeFailureQueue', 'AWS::SQS::Queue')).toEqual({
      QueueName: 'topic-bridge-bridge-iot-failures',
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
  });

  it("lets the rule's error action only send to that queue", () => {
    const role = resource(standard.template, 'IotRuleErrorActionRole', 'AWS::IAM::Role');
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(statementsOf(standard.template, 'IotRuleErrorActionRole')).toEqual([
      allow(['sqs:SendMessage'], QUEUE_ARN),
    ]);
  });
});

describe('sls package: the iotBridge function', () => {
  it('runs the Query or Scan handler, as onMessage, with this API’s @connections endpoint and the topic settings', () => {
    for (const [packaged, handler, filter] of [
      [standard, 'cloud/src/handlers/iot-bridge.handler', 'sensors/#'],
      [custom, 'cloud/src/handlers/iot-bridge.scanHandler', 'plant/+/telemetry/#'],
    ] as const) {
      const fn = resource(packaged.template, 'IotBridgeLambdaFunction', 'AWS::Lambda::Function');
      expect(fn).toMatchObject({
        Handler: handler,
        Runtime: 'nodejs22.x',
        Role: { 'Fn::GetAtt': ['IotBridgeRole', 'Arn'] },
      });
      const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(render(variables.CONNECTIONS_ENDPOINT)).toBe(
        'https://{WebsocketsApi}.execute-api.{AWS::Region}.{AWS::URLSuffix}/bridge',
      );
      expect([variables.IOT_TOPIC_FILTER, variables.IOT_TOPIC_TEMPLATE]).toEqual([filter, '']);
    }
  });

  it('may only find subscribers, clean up gone connections, keep history, post to this API, log, and queue failures', () => {
    const connections =
      'arn:{AWS::Partition}:execute-api:{AWS::Region}:{AWS::AccountId}:{WebsocketsApi}/bridge/POST/@connections/*';
    for (const [packaged, read] of [
      [
        standard,
        allow(
          ['dynamodb:Query'],
          ['TopicNameIndex', 'ExactTopicIndex'].map((index) => ({
            'Fn::Join': ['', [TABLE_ARN, `/index/${index}`]],
          })),
        ),
      ],
      [custom, allow(['dynamodb:Scan'], TABLE_ARN)],
    ] as const) {
      const statements = statementsOf(packaged.template, 'IotBridgeRole');
      expect(statements.map((s) => ({ ...s, Resource: render(s.Resource) }))).toEqual([
        allow(['logs:CreateLogStream', 'logs:PutLogEvents'], '{IotBridgeLogGroup.Arn}'),
        allow(['dynamodb:BatchWriteItem', 'dynamodb:Query'], '{ConnectionsTable.Arn}'),
        { ...read, Resource: render(read.Resource) },
        allow(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], '{HistoryTable.Arn}'),
        allow(['lambda:InvokeFunction'], '{FanOutWorkerLambdaFunction.Arn}'),
        allow(['execute-api:ManageConnections'], connections),
        allow(['sqs:SendMessage'], '{IotBridgeFailureQueue.Arn}'),
      ]);
    }
  });

  it('is one minified ES module bundle', async () => {
    const entries = listZipEntries(join(standard.dir, 'iotBridge.zip'));
    expect(entries.map((entry) => entry.name)).toEqual(['cloud/src/handlers/iot-bridge.mjs']);
    const bytes = entries[0]?.uncompressedBytes ?? 0;
    expect(bytes).toBeLessThan(MAX_BUNDLE_BYTES);
    console.info(
      `iotBridge bundle: ${(bytes / 1024).toFixed(1)} KB, zip ${((await standard.zipBytes('iotBridge')) / 1024).toFixed(1)} KB`,
    );
  });
});

describe('sls package: the gateway IoT policy', () => {
  it('lets a device connect only as its own thing and publish only under its own topic prefix', () => {
    for (const [packaged, root] of [
      [standard, 'sensors'],
      [custom, 'plant'],
    ] as const) {
      const policy = resource(packaged.template, 'GatewayIotPolicy', 'AWS::IoT::Policy');
      expect(policy.PolicyName).toBe('topic-bridge-bridge-gateway');
      const document = policy.PolicyDocument as { Version: string; Statement: Statement[] };
      expect(document.Version).toBe('2012-10-17');
      expect(document.Statement.map((s) => ({ ...s, Resource: render(s.Resource) }))).toEqual([
        {
          Effect: 'Allow',
          Action: 'iot:Connect',
          Resource: `arn:{AWS::Partition}:iot:{AWS::Region}:{AWS::AccountId}:client/\${iot:Connection.Thing.ThingName}`,
          Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
        },
        {
          Effect: 'Allow',
          Action: 'iot:Publish',
          Resource: `arn:{AWS::Partition}:iot:{AWS::Region}:{AWS::AccountId}:topic/${root}/\${iot:Connection.Thing.ThingName}/*`,
        },
      ]);
    }
  });
});
