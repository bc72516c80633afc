import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplate, loadCfnSpec } from './cfn-schema.js';
import { type PackagedService, packageService, type Template } from './package-service.js';
import { listZipEntries } from './zip-entries.js';

// `sls package` twice at once (query and scan) on a shared 2-core machine: well under a minute, usually.
const PACKAGE_TIMEOUT_MS = 180_000;

// Loading AWS's resource schemas: about 1.5 s, more on a busy machine.
const SPEC_LOAD_TIMEOUT_MS = 60_000;

/** A bundle past this is no longer minified and tree-shaken (they are about 350 KB with the AWS SDK v3). */
const MAX_BUNDLE_BYTES = 700 * 1024;

const TABLE_ARN = { 'Fn::GetAtt': ['ConnectionsTable', 'Arn'] };
const HISTORY_TABLE_ARN = { 'Fn::GetAtt': ['HistoryTable', 'Arn'] };
/** The topic history's calls (append, trim, read), on the history table only. */
const HISTORY_STATEMENT = {
  Effect: 'Allow',
  Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  Resource: HISTORY_TABLE_ARN,
};
const INDEX_ARN = { 'Fn::Join': ['', [TABLE_ARN, '/index/TopicNameIndex']] };
const RETAINED_TABLE_ARN = { 'Fn::GetAtt': ['RetainedTable', 'Arn'] };
/** Retained values: written by a publish (conditionally; a clear writes a tombstone), read by subscribe and `retained`. */
const RETAINED_ACCESS = {
  Effect: 'Allow',
  Action: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
  Resource: RETAINED_TABLE_ARN,
};
/** The ARN of this stack's WebSocket API followed by `suffix`, as the template joins it. */
function thisApiArn(suffix: string) {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':execute-api:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':',
        { Ref: 'WebsocketsApi' },
        suffix,
      ],
    ],
  };
}
const THIS_API_CONNECTIONS_ARN = thisApiArn('/bridge/POST/@connections/*');

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const allow = (actions: string[], resource: unknown): Statement => ({
  Effect: 'Allow',
  Action: actions,
  Resource: resource,
});
const logsOf = (logGroup: string) =>
  allow(['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroup, 'Arn'] });

/** `$default` may invoke exactly one function: the fan-out worker. */
const INVOKE_WORKER = allow(['lambda:InvokeFunction'], {
  'Fn::GetAtt': ['FanOutWorkerLambdaFunction', 'Arn'],
});

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function resourcesOfType(template: Template, type: string) {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The resources of an API Gateway v2 type that belong to one API (`WebsocketsApi` or `HttpApi`). */
function resourcesOfApi(template: Template, type: string, api: 'WebsocketsApi' | 'HttpApi') {
  return resourcesOfType(template, type).filter(
    ([, resource]) => (resource.Properties.ApiId as { Ref?: string } | undefined)?.Ref === api,
  );
}

function statementsOf(template: Template, roleId: string): Statement[] {
  const role = template.Resources[roleId];
  expect(role?.Type).toBe('AWS::IAM::Role');
  const policies = role?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function functionProperties(template: Template, logicalId: string) {
  const fn = template.Resources[logicalId];
  expect(fn?.Type).toBe('AWS::Lambda::Function');
  return fn?.Properties as { Handler: string; Runtime: string; Role: unknown; Architectures: string[] };
}

let query: PackagedService;
let scan: PackagedService;

beforeAll(async () => {
  // Two runs cover three switches: the defaults (query, auth on), and scan with auth off.
  [query, scan] = await Promise.all([packageService(), packageService({ onMessage: 'scan', auth: 'off' })]);
}, PACKAGE_TIMEOUT_MS);

const SSM_KEY_PARAMETER_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ssm:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':parameter',
      '/topic-bridge/bridge/auth-key',
    ],
  ],
};

function routeOf(template: Template, routeKey: string) {
  const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
  return routes.find(([, route]) => route.Properties.RouteKey === routeKey)?.[1].Properties;
}

describe('sls package: authorization (auth=on by default)', () => {
  it('runs the authorizer Lambda as a REQUEST authorizer on $connect only', () => {
    const authorizers = resourcesOfType(query.template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers.map(([id]) => id)).toEqual(['AuthorizerWebsocketsAuthorizer']);
    expect(authorizers[0]?.[1].Properties).toMatchObject({
      ApiId: { Ref: 'WebsocketsApi' },
      AuthorizerType: 'REQUEST',
      // Always present in a WebSocket handshake: the authorizer runs and finds ?token= or the subprotocol.
      IdentitySource: ['route.request.header.Sec-WebSocket-Key'],
      AuthorizerUri: {
        'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': ['AuthorizerLambdaFunction', 'Arn'] }])],
      },
    });
    expect(routeOf(query.template, '$connect')).toMatchObject({
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: 'AuthorizerWebsocketsAuthorizer' },
    });
    for (const routeKey of ['$disconnect', '$default']) {
      expect(routeOf(query.template, routeKey)).toMatchObject({ AuthorizationType: 'NONE' });
    }
    expect(functionProperties(query.template, 'AuthorizerLambdaFunction')).toMatchObject({
      Handler: 'cloud/src/handlers/authorizer.handler',
      Role: { 'Fn::GetAtt': ['AuthorizerRole', 'Arn'] },
      Environment: {
        Variables: {
          AUTH_MODE: 'on',
          AUTH_KEY_PARAMETER: '/topic-bridge/bridge/auth-key',
          AUTH_ALGORITHM: 'HS256',
          AUTH_JWKS_URL: '',
          AUTH_AUDIENCE: '',
          AUTH_ISSUER: '',
        },
      },
    });
  });

  it('tells every handler that auth is on, and with --param="auth=off" removes the authorizer and warns', () => {
    for (const [id] of resourcesOfType(query.template, 'AWS::Lambda::Function')) {
      expect({
        id,
        mode: (
          functionProperties(query.template, id) as never as {
            Environment: { Variables: { AUTH_MODE: string } };
          }
        ).Environment.Variables.AUTH_MODE,
      }).toEqual({ id, mode: 'on' });
    }
    expect(routeOf(scan.template, '$connect')).toMatchObject({ AuthorizationType: 'NONE' });
    expect(routeOf(scan.template, '$connect')?.AuthorizerId).toBeUndefined();
    expect(resourcesOfType(scan.template, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    expect(functionProperties(scan.template, 'ConnectLambdaFunction')).toMatchObject({
      Environment: { Variables: { AUTH_MODE: 'off' } },
    });
    expect(scan.output).toContain('Authorization is OFF (--param="auth=off")');
    expect(query.output).not.toContain('Authorization is OFF');
  });

  it('gives onMessage the history settings, off by default (historyTopics empty)', () => {
    expect(functionProperties(query.template, 'OnMessageLambdaFunction')).toMatchObject({
      Environment: {
        Variables: {
          HISTORY_TOPICS: '',
          HISTORY_MAX_FRAMES: '100',
          HISTORY_MAX_AGE_SECONDS: '86400',
          HISTORY_TABLE_NAME: 'TopicBridgeHistory',
        },
      },
    });
  });

  it('lets the authorizer read exactly one SSM parameter, the token key, and write its own logs; nothing else', () => {
    expect(statementsOf(query.template, 'AuthorizerRole')).toEqual([
      logsOf('AuthorizerLogGroup'),
      allow(['ssm:GetParameter'], SSM_KEY_PARAMETER_ARN),
    ]);
  });

  it('lets only this API invoke the authorizer function', () => {
    expect(query.template.Resources.AuthorizerLambdaPermissionWebsockets?.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': ['AuthorizerLambdaFunction', 'Arn'] },
      SourceArn: thisApiArn('/authorizers/*'),
    });
  });

  it('throttles $connect and $default on the stage (API Gateway route throttling, documented defaults)', () => {
    const [[, stage] = []] = resourcesOfApi(query.template, 'AWS::ApiGatewayV2::Stage', 'WebsocketsApi');
    expect(stage?.Properties.RouteSettings).toEqual({
      $connect: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      $default: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
  });
});

afterAll(async () => {
  await Promise.all([query?.remove(), scan?.remove()]);
});

describe('sls package: the WebSocket API', () => {
  it('routes on $request.body.action to exactly $connect, $disconnect and $default', () => {
    const api = query.template.Resources.WebsocketsApi;
    expect(api?.Properties).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    const routes = resourcesOfApi(query.template, 'AWS::ApiGatewayV2::Route', 'WebsocketsApi').map(
      ([, route]) => [route.Properties.RouteKey, route.Properties.Target],
    );
    const target = (integration: string) => ({ 'Fn::Join': ['/', ['integrations', { Ref: integration }]] });
    expect(routes.sort()).toEqual(
      [
        ['$connect', target('ConnectWebsocketsIntegration')],
        ['$default', target('OnMessageWebsocketsIntegration')],
        ['$disconnect', target('DisconnectWebsocketsIntegration')],
      ].sort(),
    );
  });

  it('deploys to the stage "bridge" by default', () => {
    const stages = resourcesOfApi(query.template, 'AWS::ApiGatewayV2::Stage', 'WebsocketsApi');
    expect(stages.map(([, stage]) => stage.Properties.StageName)).toEqual(['bridge']);
  });
});

describe('sls package: the DynamoDB table', () => {
  it('is keyed by connectionId + topicFilter, on demand, with TTL on expiresAt and the KEYS_ONLY topic index', () => {
    const tables = resourcesOfType(query.template, 'AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id).sort()).toEqual(['ConnectionsTable', 'HistoryTable', 'RetainedTable']);
    expect(query.template.Resources.ConnectionsTable?.Properties).toEqual({
      TableName: 'WSConnections',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'connectionId', AttributeType: 'S' },
        { AttributeName: 'topicFilter', AttributeType: 'S' },
        { AttributeName: 'topicName', AttributeType: 'S' },
        { AttributeName: 'expiresAt', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'connectionId', KeyType: 'HASH' },
        { AttributeName: 'topicFilter', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'TopicNameIndex',
          KeySchema: [
            { AttributeName: 'topicName', KeyType: 'HASH' },
            { AttributeName: 'expiresAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('keeps retained values in their own table: first level + topic, on demand, TTL on expiresAt', () => {
    expect(query.template.Resources.RetainedTable?.Properties).toEqual({
      TableName: 'TopicBridgeRetained',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'firstLevel', AttributeType: 'S' },
        { AttributeName: 'topic', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'firstLevel', KeyType: 'HASH' },
        { AttributeName: 'topic', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('keeps the topic history in its own table: partition + position, on demand, TTL on expiresAt', () => {
    const history = resourcesOfType(query.template, 'AWS::DynamoDB::Table').find(
      ([id]) => id === 'HistoryTable',
    );
    expect(history?.[1].Properties).toEqual({
      TableName: 'TopicBridgeHistory',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'partition', AttributeType: 'S' },
        { AttributeName: 'position', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'partition', KeyType: 'HASH' },
        { AttributeName: 'position', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('sls package: the functions', () => {
  const FUNCTIONS = {
    connect: ['ConnectLambdaFunction', 'cloud/src/handlers/connect.handler', 'ConnectRole'],
    disconnect: ['DisconnectLambdaFunction', 'cloud/src/handlers/disconnect.handler', 'DisconnectRole'],
    authorizer: ['AuthorizerLambdaFunction', 'cloud/src/handlers/authorizer.handler', 'AuthorizerRole'],
    onMessage: [
      'OnMessageLambdaFunction',
      'cloud/src/handlers/on-message-optimized.handler',
      'OnMessageRole',
    ],
    fanOutWorker: [
      'FanOutWorkerLambdaFunction',
      'cloud/src/handlers/fan-out-worker.handler',
      'FanOutWorkerRole',
    ],
    httpPublish: ['HttpPublishLambdaFunction', 'cloud/src/handlers/http-publish.handler', 'HttpPublishRole'],
  } as const;

  it('run on nodejs22.x (arm64), each with a role of its own from the template', () => {
    const functions = resourcesOfType(query.template, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id)).toEqual(
      expect.arrayContaining(Object.values(FUNCTIONS).map(([id]) => id)),
    );
    const roles = new Set<unknown>();
    for (const [logicalId] of functions) {
      const fn = functionProperties(query.template, logicalId);
      expect({ logicalId, runtime: fn.Runtime, architectures: fn.Architectures }).toEqual({
        logicalId,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
      });
      const [roleId] = (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(query.template.Resources[roleId]?.Type).toBe('AWS::IAM::Role');
      roles.add(roleId);
    }
    expect(roles.size).toBe(functions.length);
    for (const [logicalId, handler, role] of Object.values(FUNCTIONS)) {
      expect(functionProperties(query.template, logicalId)).toMatchObject({
        Handler: handler,
        Role: { 'Fn::GetAtt': [role, 'Arn'] },
        Environment: {
          Variables: {
            TABLE_NAME: 'WSConnections',
            TOPIC_INDEX_NAME: 'TopicNameIndex',
            LOG_LEVEL: 'info',
            RETAINED_TABLE_NAME: 'TopicBridgeRetained',
            RETAINED_TTL_SECONDS: '604800',
          },
        },
      });
    }
  });

  it('are each one minified ES module bundle with the AWS SDK inside, and nothing else', async () => {
    const sizes: Record<string, string> = {};
    for (const [logicalId, fn] of resourcesOfType(query.template, 'AWS::Lambda::Function')) {
      const handler = String(fn.Properties.Handler);
      const name = logicalId.replace(/LambdaFunction$/, '').replace(/^./, (first) => first.toLowerCase());
      const entries = listZipEntries(join(query.dir, `${name}.zip`));
      const bundle = `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`;
      expect(entries.map((entry) => entry.name)).toEqual([bundle]);
      const bytes = entries[0]?.uncompressedBytes ?? 0;
      expect(bytes).toBeGreaterThan(50 * 1024); // the SDK is bundled, not expected from the runtime
      expect(bytes).toBeLessThan(MAX_BUNDLE_BYTES);
      sizes[name] = `zip ${kb(await query.zipBytes(name))}, ${bundle} ${kb(bytes)}`;
    }
    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(Object.keys(FUNCTIONS)));
    console.info('bundle sizes (query variant):', sizes);
  });

  it('switch $default to the Scan handler with --param="onMessage=scan"', () => {
    expect(functionProperties(scan.template, 'OnMessageLambdaFunction').Handler).toBe(
      'cloud/src/handlers/on-message.handler',
    );
    expect(functionProperties(scan.template, 'ConnectLambdaFunction').Handler).toBe(
      'cloud/src/handlers/connect.handler',
    );
  });
});

describe('sls package: IAM is least privilege', () => {
  it('has no role this file does not assert statement by statement (or iot-template.test.ts does)', () => {
    for (const template of [query.template, scan.template]) {
      expect(
        resourcesOfType(template, 'AWS::IAM::Role')
          .map(([id]) => id)
          .sort(),
      ).toEqual([
        'AuthorizerRole',
        'ConnectRole',
        'DisconnectRole',
        'FanOutWorkerRole',
        'HttpPublishRole',
        'IotBridgeRole',
        'IotRuleErrorActionRole',
        'OnMessageRole',
      ]);
    }
  });

  it('uses no framework default role, no managed policy, no wildcard action, and scoped resources', () => {
    for (const template of [query.template, scan.template]) {
      const roles = resourcesOfType(template, 'AWS::IAM::Role');
      expect(roles.map(([id]) => id)).toEqual(
        expect.arrayContaining(['ConnectRole', 'DisconnectRole', 'OnMessageRole']),
      );
      // The framework's shared role would carry its own `execute-api:*:*:*/@connections/*` statement.
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      expect(resourcesOfType(template, 'AWS::IAM::ManagedPolicy')).toEqual([]);
      for (const [id, role] of roles) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        for (const statement of statementsOf(template, id)) {
          const actions = [statement.Action].flat();
          expect({ id, effect: statement.Effect, wildcards: actions.filter((a) => a.includes('*')) }).toEqual(
            {
              id,
              effect: 'Allow',
              wildcards: [],
            },
          );
          expect(JSON.stringify(statement.Resource)).not.toMatch(/^"?\*"?$/);
          if (actions.some((action) => action.startsWith('dynamodb:'))) {
            expect([TABLE_ARN, INDEX_ARN, RETAINED_TABLE_ARN, HISTORY_TABLE_ARN]).toContainEqual(
              statement.Resource,
            );
          }
          if (actions.includes('execute-api:ManageConnections')) {
            expect(statement.Resource).toEqual(THIS_API_CONNECTIONS_ARN);
          }
        }
      }
    }
  });

  it('lets connect only batch-write rows of this table', () => {
    expect(statementsOf(query.template, 'ConnectRole')).toEqual([
      logsOf('ConnectLogGroup'),
      allow(['dynamodb:BatchWriteItem'], TABLE_ARN),
    ]);
  });

  it('lets disconnect only query and batch-delete rows of this table', () => {
    expect(statementsOf(query.template, 'DisconnectRole')).toEqual([
      logsOf('DisconnectLogGroup'),
      allow(['dynamodb:BatchWriteItem', 'dynamodb:Query'], TABLE_ARN),
    ]);
  });

  it('lets onMessage (query) read the topic index and post to this API and stage only', () => {
    expect(statementsOf(query.template, 'OnMessageRole')).toEqual([
      logsOf('OnMessageLogGroup'),
      allow(
        [
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        TABLE_ARN,
      ),
      allow(['dynamodb:Query'], INDEX_ARN),
      RETAINED_ACCESS,
      HISTORY_STATEMENT,
      INVOKE_WORKER,
      allow(['execute-api:ManageConnections'], THIS_API_CONNECTIONS_ARN),
    ]);
  });

  it('lets onMessage (scan) Scan this table instead, and not query the index', () => {
    expect(statementsOf(scan.template, 'OnMessageRole')).toEqual([
      logsOf('OnMessageLogGroup'),
      allow(
        [
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        TABLE_ARN,
      ),
      allow(['dynamodb:Scan'], TABLE_ARN),
      RETAINED_ACCESS,
      HISTORY_STATEMENT,
      INVOKE_WORKER,
      allow(['execute-api:ManageConnections'], THIS_API_CONNECTIONS_ARN),
    ]);
  });

  it('lets the fan-out worker keep page progress, clean up gone rows, post, and fail to its own queue', () => {
    for (const template of [query.template, scan.template]) {
      expect(statementsOf(template, 'FanOutWorkerRole')).toEqual([
        logsOf('FanOutWorkerLogGroup'),
        allow(
          ['dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          TABLE_ARN,
        ),
        allow(['execute-api:ManageConnections'], THIS_API_CONNECTIONS_ARN),
        allow(['sqs:SendMessage'], { 'Fn::GetAtt': ['FanOutWorkerFailureQueue', 'Arn'] }),
      ]);
    }
  });

  it('sizes each function from the cost model (docs/BENCHMARKS.md, "Memory size")', () => {
    const sizes = Object.fromEntries(
      resourcesOfType(query.template, 'AWS::Lambda::Function').map(([id, fn]) => [
        id,
        fn.Properties.MemorySize,
      ]),
    );
    expect(sizes).toMatchObject({
      ConnectLambdaFunction: 512,
      DisconnectLambdaFunction: 512,
      OnMessageLambdaFunction: 1769,
      FanOutWorkerLambdaFunction: 1769,
      IotBridgeLambdaFunction: 1769,
      HttpPublishLambdaFunction: 1769,
    });
  });

  it('invokes the fan-out worker asynchronously, retrying twice, then its failure queue; $default knows its name', () => {
    const config = resourcesOfType(query.template, 'AWS::Lambda::EventInvokeConfig');
    expect(config.map(([, resource]) => resource.Properties)).toContainEqual(
      expect.objectContaining({
        FunctionName: { Ref: 'FanOutWorkerLambdaFunction' },
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': ['FanOutWorkerFailureQueue', 'Arn'] } },
        },
      }),
    );
    expect(functionProperties(query.template, 'OnMessageLambdaFunction')).toMatchObject({
      Environment: { Variables: { FAN_OUT_WORKER_FUNCTION: 'topic-bridge-bridge-fanOutWorker' } },
    });
    expect(functionProperties(query.template, 'FanOutWorkerLambdaFunction')).toMatchObject({
      FunctionName: 'topic-bridge-bridge-fanOutWorker',
      Handler: 'cloud/src/handlers/fan-out-worker.handler',
    });
  });
});

describe('sls package: HTTP publish (POST /publish)', () => {
  it('is one route of its own HTTP API, any method to httpPublish (payload 2.0), with the stage throttled', () => {
    expect(query.template.Resources.HttpApi?.Properties).toEqual({
      Name: 'topic-bridge-bridge-http',
      ProtocolType: 'HTTP',
    });
    const routes = resourcesOfApi(query.template, 'AWS::ApiGatewayV2::Route', 'HttpApi').map(([, route]) => [
      route.Properties.RouteKey,
      route.Properties.Target,
    ]);
    expect(routes).toEqual([
      ['ANY /publish', { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationHttpPublish' }]] }],
    ]);
    // No authorizer: the function verifies the bearer token itself (serverless.yml says why).
    expect(resourcesOfApi(query.template, 'AWS::ApiGatewayV2::Authorizer', 'HttpApi')).toEqual([]);
    expect(query.template.Resources.HttpApiIntegrationHttpPublish?.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': ['HttpPublishLambdaFunction', 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    expect(query.template.Resources.HttpApiStage?.Properties).toMatchObject({
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    expect(query.template.Resources.HttpPublishLambdaPermissionHttpApi?.Properties).toMatchObject({
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': ['HttpPublishLambdaFunction', 'Arn'] },
      SourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':execute-api:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':',
            { Ref: 'HttpApi' },
            '/*',
          ],
        ],
      },
    });
  });

  it("posts to the WebSocket API's @connections, checks tokens as the authorizer does, and hands pages to the worker", () => {
    expect(functionProperties(query.template, 'HttpPublishLambdaFunction')).toMatchObject({
      Timeout: 29,
      Environment: {
        Variables: {
          CONNECTIONS_ENDPOINT: {
            'Fn::Join': [
              '',
              [
                'https://',
                { Ref: 'WebsocketsApi' },
                '.execute-api.',
                { Ref: 'AWS::Region' },
                '.',
                { Ref: 'AWS::URLSuffix' },
                '/bridge',
              ],
            ],
          },
          FAN_OUT_WORKER_FUNCTION: 'topic-bridge-bridge-fanOutWorker',
          AUTH_MODE: 'on',
          AUTH_KEY_PARAMETER: '/topic-bridge/bridge/auth-key',
          AUTH_ALGORITHM: 'HS256',
          AUTH_JWKS_URL: '',
          AUTH_AUDIENCE: '',
          AUTH_ISSUER: '',
        },
      },
    });
    expect(functionProperties(scan.template, 'HttpPublishLambdaFunction').Handler).toBe(
      'cloud/src/handlers/http-publish.scanHandler',
    );
  });

  it('lets httpPublish find subscribers, clean up gone rows, write retained values and history, hand off pages, post, and read the token key; nothing else', () => {
    const common = (read: Statement) => [
      logsOf('HttpPublishLogGroup'),
      allow(['dynamodb:BatchWriteItem', 'dynamodb:Query'], TABLE_ARN),
      read,
      // The retain step of the same publish path: writes only, no reads of the retained table.
      allow(['dynamodb:PutItem'], RETAINED_TABLE_ARN),
      // The history step: append and trim, no reads.
      allow(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], HISTORY_TABLE_ARN),
      INVOKE_WORKER,
      allow(['execute-api:ManageConnections'], THIS_API_CONNECTIONS_ARN),
      allow(['ssm:GetParameter'], SSM_KEY_PARAMETER_ARN),
    ];
    expect(statementsOf(query.template, 'HttpPublishRole')).toEqual(
      common(allow(['dynamodb:Query'], INDEX_ARN)),
    );
    expect(statementsOf(scan.template, 'HttpPublishRole')).toEqual(
      common(allow(['dynamodb:Scan'], TABLE_ARN)),
    );
  });
});

// The whole template against AWS's own resource schemas (see cfn-schema.ts for what is checked), so that a
// template `sls deploy` would reject fails here first. Both variants, from the packages made above.
describe('sls package: the whole template is valid CloudFormation', () => {
  let spec: Awaited<ReturnType<typeof loadCfnSpec>>;
  beforeAll(async () => {
    spec = await loadCfnSpec();
  }, SPEC_LOAD_TIMEOUT_MS);

  it.each([
    ['query', () => query],
    ['scan', () => scan],
  ])('onMessage=%s: every resource type, property, Ref and Fn::GetAtt', (variant, packaged) => {
    const { template } = packaged();
    const check = checkTemplate(template, spec);
    expect(check.problems).toEqual([]);
    console.log(
      `CloudFormation schema check (${variant} variant): ${check.resources} resources, ` +
        `${check.properties} property values, ${check.refs} Refs, ${check.getAtts} Fn::GetAtts, no problem`,
    );
    // It looked at everything: every resource, and at least every top-level property.
    const resources = Object.values(template.Resources);
    expect(check.resources).toBe(resources.length);
    const topLevel = resources.reduce(
      (sum, resource) => sum + Object.keys(resource.Properties ?? {}).length,
      0,
    );
    expect(check.properties).toBeGreaterThan(topLevel);
    expect(check.refs).toBeGreaterThan(0);
    expect(check.getAtts).toBeGreaterThan(0);
  });
});
