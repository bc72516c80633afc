import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTemplate, loadCfnSpec, MAX_RESOURCES } from './cfn-schema.js';

/**
 * The template validator against AWS's real resource schemas: a small valid template passes, and each class
 * of error it exists for is caught with a message that names where and what (a validator that cannot fail
 * would let every template through).
 */

// Loading the schema database takes about 1.5 s (more on a busy machine).
const SPEC_LOAD_TIMEOUT_MS = 30_000;

let spec: SpecDatabase;
beforeAll(async () => {
  spec = await loadCfnSpec();
}, SPEC_LOAD_TIMEOUT_MS);

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }
>;

/** A valid template: a function, its role and log group, a table, with the references between them. */
function validTemplate(): { Resources: Resources; [section: string]: unknown } {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Stage: { Type: 'String', Default: 'bridge' } },
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          Policies: [
            {
              PolicyName: 'table',
              PolicyDocument: {
                Statement: [
                  { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } },
                ],
              },
            },
          ],
        },
      },
      Logs: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/aws/lambda/fn', RetentionInDays: 14 },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['Logs'],
        Properties: {
          Code: { ZipFile: 'exports.handler = async () => {};' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Timeout: 10,
          MemorySize: '256',
          Architectures: ['arm64'],
          Environment: {
            Variables: { TABLE: { Ref: 'Table' }, STAGE: { 'Fn::Sub': `\${Stage}-\${AWS::Region}` } },
          },
        },
      },
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        },
      },
    },
    Outputs: { TableArn: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] } } },
  };
}

/** The valid template with one change made by `edit`. */
function broken(edit: (template: ReturnType<typeof validTemplate>) => void) {
  const template = validTemplate();
  edit(template);
  return template;
}

const props = (template: ReturnType<typeof validTemplate>, id: string) => {
  const properties = template.Resources[id]?.Properties;
  if (properties === undefined) throw new Error(`no resource ${id}`);
  return properties;
};

const problemsOf = (template: unknown) => checkTemplate(template, spec).problems;

describe('checkTemplate: a valid template', () => {
  it('finds nothing wrong and counts what it checked', () => {
    const check = checkTemplate(validTemplate(), spec);
    expect(check.problems).toEqual([]);
    expect(check.resources).toBe(4);
    // Each property, list element and map entry: Role 2 + 1 policy with 2; Logs 2; Fn 8 + ZipFile + 1
    // architecture + Variables with 2 entries; Table 3 + 1 attribute definition with 2 + 1 key with 2.
    expect(check.properties).toBe(5 + 2 + 13 + 9);
    expect(check.refs).toBe(3); // Ref Table, ${Stage}, ${AWS::Region}
    expect(check.getAtts).toBe(3);
  });
});

describe('checkTemplate: each class of error', () => {
  it('an unknown resource type', () => {
    const template = broken((t) => {
      t.Resources.Queue = { Type: 'AWS::SQS::Queueue', Properties: {} };
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resources.Queue.Type', problem: 'unknown resource type AWS::SQS::Queueue' },
    ]);
  });

  it('an unknown property, at the top and nested', () => {
    const template = broken((t) => {
      props(t, 'Fn').Timeoutt = 10;
      props(t, 'Table').KeySchema = [{ AttributeName: 'id', KeyType: 'HASH', Order: 1 }];
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resources.Fn.Properties.Timeoutt', problem: 'unknown property of AWS::Lambda::Function' },
      { path: 'Resources.Table.Properties.KeySchema[0].Order', problem: 'unknown property of KeySchema' },
    ]);
  });

  it('a wrong type: a word for an integer, a string for a list, a list for an object, nested', () => {
    const template = broken((t) => {
      props(t, 'Fn').Timeout = 'ten';
      props(t, 'Fn').Architectures = 'arm64';
      props(t, 'Fn').Environment = [{ Variables: {} }];
      props(t, 'Table').KeySchema = [{ AttributeName: 'id', KeyType: ['HASH'] }];
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resources.Fn.Properties.Timeout', problem: 'expected an integer, got "ten"' },
      { path: 'Resources.Fn.Properties.Architectures', problem: 'expected a list, got a string' },
      {
        path: 'Resources.Fn.Properties.Environment',
        problem: 'expected an object (Environment), got a list',
      },
      { path: 'Resources.Table.Properties.KeySchema[0].KeyType', problem: 'expected a string, got a list' },
    ]);
  });

  it('a value outside the allowed ones', () => {
    const template = broken((t) => {
      props(t, 'Logs').RetentionInDays = 10;
    });
    expect(problemsOf(template)).toEqual([
      {
        path: 'Resources.Logs.Properties.RetentionInDays',
        problem: expect.stringMatching(/^must be one of 1, 3, 5, 7, 14, .*; got 10$/),
      },
    ]);
  });

  it('a missing required property, at the top and nested', () => {
    const template = broken((t) => {
      delete props(t, 'Fn').Role;
      props(t, 'Table').KeySchema = [{ AttributeName: 'id' }];
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resources.Fn.Properties', problem: 'missing required property Role of AWS::Lambda::Function' },
      {
        path: 'Resources.Table.Properties.KeySchema[0]',
        problem: 'missing required property KeyType of KeySchema',
      },
    ]);
  });

  it('a Ref to nothing, in a property, in a policy document, in Fn::Sub and in an output', () => {
    const template = broken((t) => {
      props(t, 'Fn').Environment = {
        Variables: { TABLE: { Ref: 'Tabel' }, STAGE: { 'Fn::Sub': `\${Stag}` } },
      };
      const policy = (
        props(t, 'Role').Policies as { PolicyDocument: { Statement: { Resource: unknown }[] } }[]
      )[0];
      if (policy?.PolicyDocument.Statement[0])
        policy.PolicyDocument.Statement[0].Resource = { Ref: 'Nothing' };
      t.Outputs = { Name: { Value: { Ref: 'AWS::Regio' } } };
    });
    expect(problemsOf(template)).toEqual([
      {
        path: 'Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0].Resource.Ref',
        problem: 'Ref to Nothing, which is neither a resource, a parameter nor a pseudo-parameter',
      },
      {
        path: 'Resources.Fn.Properties.Environment.Variables.TABLE.Ref',
        problem: 'Ref to Tabel, which is neither a resource, a parameter nor a pseudo-parameter',
      },
      {
        path: 'Resources.Fn.Properties.Environment.Variables.STAGE.Fn::Sub',
        problem: 'Ref to Stag, which is neither a resource, a parameter nor a pseudo-parameter',
      },
      {
        path: 'Outputs.Name.Value.Ref',
        problem: 'Ref to AWS::Regio, which is neither a resource, a parameter nor a pseudo-parameter',
      },
    ]);
  });

  it('a Fn::GetAtt of an attribute the type does not have, or of a resource that does not exist', () => {
    const template = broken((t) => {
      props(t, 'Fn').Role = { 'Fn::GetAtt': ['Role', 'RoleArn'] };
      t.Outputs = { TableArn: { Value: { 'Fn::GetAtt': 'Tables.Arn' } } };
      props(t, 'Fn').Handler = { 'Fn::Sub': `\${Table.Name}` };
    });
    expect(problemsOf(template)).toEqual([
      {
        path: 'Resources.Fn.Properties.Handler.Fn::Sub',
        problem: 'AWS::DynamoDB::Table Table has no attribute Name; it has Arn, StreamArn',
      },
      {
        path: 'Resources.Fn.Properties.Role.Fn::GetAtt',
        problem: 'AWS::IAM::Role Role has no attribute RoleArn; it has Arn, RoleId',
      },
      { path: 'Outputs.TableArn.Value.Fn::GetAtt', problem: 'Fn::GetAtt on Tables, which is not a resource' },
    ]);
  });

  it('a DependsOn on nothing, and an unknown resource attribute or section', () => {
    const template = broken((t) => {
      const fn = t.Resources.Fn;
      if (fn) {
        fn.DependsOn = ['Logs', 'Log'];
        fn.DeletionPolicy = 'Keep';
        fn.Propertie = {};
      }
      t.Resource = {};
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resource', problem: 'unknown top-level section' },
      { path: 'Resources.Fn.Propertie', problem: 'unknown resource attribute' },
      { path: 'Resources.Fn.DependsOn[1]', problem: 'DependsOn names Log, which is not a resource' },
      {
        path: 'Resources.Fn.DeletionPolicy',
        problem: 'must be one of Delete, Retain, RetainExceptOnCreate, Snapshot; got "Keep"',
      },
    ]);
  });

  it('an intrinsic function that gives a single value where a list belongs, and an unknown one', () => {
    const template = broken((t) => {
      props(t, 'Fn').Architectures = { 'Fn::Join': ['', ['arm', '64']] };
      props(t, 'Fn').Handler = { 'Fn::Concat': ['index', '.handler'] };
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resources.Fn.Properties.Handler', problem: 'unknown intrinsic function Fn::Concat' },
      {
        path: 'Resources.Fn.Properties.Architectures',
        problem: 'Fn::Join gives a single value here, but a list of string is expected',
      },
    ]);
  });

  it('a value that fits none of a union: a list for a policy document (an object or a JSON string)', () => {
    const template = broken((t) => {
      props(t, 'Role').AssumeRolePolicyDocument = [{ Version: '2012-10-17' }];
    });
    expect(problemsOf(template)).toEqual([
      {
        path: 'Resources.Role.Properties.AssumeRolePolicyDocument',
        problem: 'expected a JSON object or string, got a list',
      },
    ]);
  });

  it('a condition that is not defined, an Fn::If branch of the wrong type, a custom resource without ServiceToken', () => {
    const template = broken((t) => {
      t.Conditions = { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } };
      const logs = t.Resources.Logs;
      if (logs) logs.Condition = 'IsProduction';
      props(t, 'Fn').Timeout = { 'Fn::If': ['IsProd', 30, 'long'] };
      t.Resources.Seed = { Type: 'Custom::Seed', Properties: { Rows: 3 } };
    });
    expect(problemsOf(template)).toEqual([
      {
        path: 'Resources.Logs.Condition',
        problem: 'names condition "IsProduction", which is not in Conditions',
      },
      { path: 'Resources.Fn.Properties.Timeout.Fn::If[2]', problem: 'expected an integer, got "long"' },
      { path: 'Resources.Seed.Properties', problem: 'missing required ServiceToken' },
    ]);
  });

  it('a logical id that is not alphanumeric, an export name used twice, too many resources', () => {
    const template = broken((t) => {
      t.Resources['Log-Group'] = { Type: 'AWS::Logs::LogGroup' };
      t.Outputs = {
        A: { Value: 'a', Export: { Name: 'shared' } },
        B: { Value: 'b', Export: { Name: 'shared' } },
      };
    });
    expect(problemsOf(template)).toEqual([
      { path: 'Resources.Log-Group', problem: 'a logical id must be alphanumeric (A-Za-z0-9)' },
      { path: 'Outputs.B.Export.Name', problem: "export shared is also A's" },
    ]);
    const many = broken((t) => {
      for (let i = 0; i < MAX_RESOURCES; i++) t.Resources[`Logs${i}`] = { Type: 'AWS::Logs::LogGroup' };
    });
    expect(problemsOf(many)).toEqual([
      {
        path: 'Resources',
        problem: `${MAX_RESOURCES + 4} entries; CloudFormation allows at most ${MAX_RESOURCES}`,
      },
    ]);
  });

  it('a template that is not one at all', () => {
    expect(problemsOf([])).toEqual([{ path: '', problem: 'a template is an object, got a list' }]);
    expect(problemsOf({ Resources: {} })).toEqual([
      { path: 'Resources', problem: 'a template needs at least one resource' },
    ]);
  });
});
