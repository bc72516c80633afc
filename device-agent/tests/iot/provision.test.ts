import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ProvisionStep, provisionGateway } from '../../src/iot/provision.js';
import { ProvisionError } from '../../src/iot/provision-errors.js';
import { amazonRootCa1Pem } from '../../src/iot/root-ca.js';
import {
  ENDPOINT,
  GATEWAY_POLICY,
  type MockedAccount,
  mockIotAccount,
  REGION,
} from './mocked-iot-account.js';

const THING = 'gateway-01';
const NOW = new Date('2026-01-02T03:04:05.000Z');
const THING_ARN = `arn:aws:iot:${REGION}:123456789012:thing/${THING}`;

let account: MockedAccount;
let base: string;
let outDir: string;
let steps: ProvisionStep[];

beforeEach(async () => {
  account = mockIotAccount();
  base = await mkdtemp(join(tmpdir(), 'provision-'));
  outDir = join(base, 'iot');
  steps = [];
});

afterEach(async () => {
  account.mock.restore();
  await rm(base, { recursive: true, force: true });
});

function run(overrides: { thingName?: string; policyName?: string; dryRun?: boolean } = {}) {
  return provisionGateway(
    {
      thingName: THING,
      policyName: GATEWAY_POLICY,
      outDir,
      region: REGION,
      topicRoot: 'sensors',
      dryRun: false,
      ...overrides,
    },
    { iot: account.client, report: (step) => steps.push(step), now: () => NOW, rootCaPem: amazonRootCa1Pem },
  );
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')])),
  );
}

async function failure(promise: Promise<unknown>): Promise<ProvisionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProvisionError);
  return error as ProvisionError;
}

describe('provision against a mocked IoT control plane', () => {
  it('a first run makes the calls in order and writes the files with owner-only key permissions', async () => {
    const result = await run();

    expect(account.callNames()).toEqual([
      'DescribeThingCommand',
      'CreateThingCommand',
      'GetPolicyCommand',
      'CreateKeysAndCertificateCommand',
      'ListAttachedPoliciesCommand',
      'AttachPolicyCommand',
      'ListThingPrincipalsCommand',
      'AttachThingPrincipalCommand',
      'DescribeEndpointCommand',
    ]);
    expect(account.mock.commandCalls(CreateKeysAndCertificateCommand)[0]?.args[0].input).toEqual({
      setAsActive: true,
    });
    const [certificateId] = [...account.certificates.keys()];
    const certificateArn = account.certificates.get(certificateId as string)?.arn as string;
    expect(account.mock.commandCalls(AttachPolicyCommand)[0]?.args[0].input).toEqual({
      policyName: GATEWAY_POLICY,
      target: certificateArn,
    });
    expect(account.mock.commandCalls(AttachThingPrincipalCommand)[0]?.args[0].input).toEqual({
      thingName: THING,
      principal: certificateArn,
    });
    expect(result).toEqual({
      thingArn: THING_ARN,
      certificateArn,
      endpoint: ENDPOINT,
      files: [
        'certificate.pem.crt',
        'private.pem.key',
        'AmazonRootCA1.pem',
        'provision.json',
        'iot-output.yaml',
      ].map((name) => join(outDir, name)),
    });
    expect(steps.map((s) => `${s.step}:${s.outcome}`)).toEqual([
      'thing:done',
      'policy:already',
      'certificate:done',
      'attach-policy:done',
      'attach-thing:done',
      'endpoint:already',
      'files:done',
    ]);

    expect(await modeOf(outDir)).toBe(0o700);
    expect(await modeOf(join(outDir, 'private.pem.key'))).toBe(0o600);
    expect(await modeOf(join(outDir, 'certificate.pem.crt'))).toBe(0o644);
    const files = await snapshot(outDir);
    expect(Object.keys(files)).toEqual([
      'AmazonRootCA1.pem',
      'certificate.pem.crt',
      'iot-output.yaml',
      'private.pem.key',
      'provision.json',
    ]);
    expect(files['private.pem.key']).toContain('key-1');
    expect(files['certificate.pem.crt']).toContain('cert-1');
    expect(files['AmazonRootCA1.pem']).toBe(amazonRootCa1Pem());
    expect(JSON.parse(files['provision.json'] as string)).toEqual({
      thingName: THING,
      thingArn: THING_ARN,
      certificateId,
      certificateArn,
      policyName: GATEWAY_POLICY,
      region: REGION,
      endpoint: ENDPOINT,
      provisionedAt: NOW.toISOString(),
    });
    expect(parse(files['iot-output.yaml'] as string)).toEqual({
      output: {
        type: 'iot-core',
        endpoint: ENDPOINT,
        port: 8883,
        clientId: THING,
        topicPrefix: `sensors/${THING}`,
        certFile: join(outDir, 'certificate.pem.crt'),
        keyFile: join(outDir, 'private.pem.key'),
        caFile: join(outDir, 'AmazonRootCA1.pem'),
      },
    });
  });

  it('a rerun reuses the thing and the recorded certificate, mints nothing and rewrites identical files', async () => {
    await run();
    const before = await snapshot(outDir);
    account.mock.resetHistory();
    steps = [];

    await run();

    expect(account.callNames()).toEqual([
      'DescribeThingCommand',
      'GetPolicyCommand',
      'DescribeCertificateCommand',
      'ListAttachedPoliciesCommand',
      'ListThingPrincipalsCommand',
      'DescribeEndpointCommand',
    ]);
    expect(account.certificates.size).toBe(1);
    expect(steps.map((s) => `${s.step}:${s.outcome}`)).toEqual([
      'thing:already',
      'policy:already',
      'certificate:already',
      'attach-policy:already',
      'attach-thing:already',
      'endpoint:already',
      'files:done',
    ]);
    expect(await snapshot(outDir)).toEqual(before);
    expect(await modeOf(join(outDir, 'private.pem.key'))).toBe(0o600);
  });

  it('a rerun after a run that stopped right after minting attaches only what is missing', async () => {
    account.failOnce(
      'AttachPolicyCommand',
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    expect((await failure(run())).code).toBe('throttled');
    expect(await modeOf(join(outDir, 'private.pem.key'))).toBe(0o600);
    account.mock.resetHistory();

    await run();

    expect(account.callNames()).toEqual([
      'DescribeThingCommand',
      'GetPolicyCommand',
      'DescribeCertificateCommand',
      'ListAttachedPoliciesCommand',
      'AttachPolicyCommand',
      'ListThingPrincipalsCommand',
      'AttachThingPrincipalCommand',
      'DescribeEndpointCommand',
    ]);
    expect(account.certificates.size).toBe(1);
    expect([...account.certificates.values()][0]?.policies).toEqual([GATEWAY_POLICY]);
  });

  it('a dry run makes only read-only calls, says what it would do, and writes nothing', async () => {
    const result = await run({ dryRun: true });

    expect(account.callNames()).toEqual([
      'DescribeThingCommand',
      'GetPolicyCommand',
      'DescribeEndpointCommand',
    ]);
    expect(steps.map((s) => `${s.step}:${s.outcome}`)).toEqual([
      'thing:would',
      'policy:already',
      'certificate:would',
      'attach-policy:would',
      'attach-thing:would',
      'endpoint:already',
      'files:would',
    ]);
    expect(steps[0]?.detail).toBe(`create thing "${THING}"`);
    expect(result).toEqual({ thingArn: undefined, certificateArn: undefined, endpoint: ENDPOINT, files: [] });
    expect(await readdir(base)).toEqual([]);
    expect(account.things.size).toBe(0);
  });

  it('a dry run after a real run reports everything as already done and changes nothing', async () => {
    await run();
    const before = await snapshot(outDir);
    account.mock.resetHistory();
    steps = [];

    await run({ dryRun: true });

    expect(account.mock.commandCalls(CreateThingCommand)).toHaveLength(0);
    expect(account.mock.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(0);
    expect(account.mock.commandCalls(AttachPolicyCommand)).toHaveLength(0);
    expect(account.mock.commandCalls(AttachThingPrincipalCommand)).toHaveLength(0);
    expect(steps.map((s) => `${s.step}:${s.outcome}`)).toEqual([
      'thing:already',
      'policy:already',
      'certificate:already',
      'attach-policy:already',
      'attach-thing:already',
      'endpoint:already',
      'files:would',
    ]);
    expect(await snapshot(outDir)).toEqual(before);
  });

  it('reuses a thing that another run created between the lookup and the create', async () => {
    account.mock.on(CreateThingCommand).callsFakeOnce(({ thingName }) => {
      account.things.set(thingName, THING_ARN);
      throw Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' });
    });
    const result = await run();
    expect(result.thingArn).toBe(THING_ARN);
    expect(steps[0]).toEqual({
      step: 'thing',
      outcome: 'already',
      detail: `thing "${THING}" exists (${THING_ARN})`,
    });
  });
});
