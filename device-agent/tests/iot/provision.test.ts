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
    expect((await failure(run())).reason).toBe('throttled');
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

describe('provision errors against a mocked IoT control plane', () => {
  const awsError = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it('refuses an invalid thing name before any AWS call', async () => {
    const error = await failure(run({ thingName: 'sensors/+/bad' }));
    expect(error.reason).toBe('invalid_argument');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'Cannot provision: the thing name "sensors/+/bad" is not valid: use 1 to 128 letters, digits, ":", "_" or "-" ' +
        '(it becomes the MQTT client id and a topic level, e.g. gateway-01).',
    );
    expect(account.callNames()).toEqual([]);
    expect(await readdir(base)).toEqual([]);
  });

  it('explains missing credentials (exit code 10)', async () => {
    account.failOnce(
      'DescribeThingCommand',
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
    );
    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['no_credentials', 10]);
    expect(error.message).toBe(
      'No AWS credentials were found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
        'or run `aws configure`, then run provision again.',
    );
  });

  it('names the denied IAM action (exit code 11) and mints nothing after it', async () => {
    account.failOnce(
      'CreateThingCommand',
      awsError(
        'AccessDeniedException',
        'User: arn:aws:iam::1:user/ci is not authorized to perform: iot:CreateThing',
        403,
      ),
    );
    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['access_denied', 11]);
    expect(error.message).toBe(
      `AWS denied iot:CreateThing on thing "${THING}" in ${REGION}: grant your IAM identity "iot:CreateThing" ` +
        '(docs/IOT.md lists every permission provision needs), then run provision again (AWS said: ' +
        'User: arn:aws:iam::1:user/ci is not authorized to perform: iot:CreateThing).',
    );
    expect(account.callNames()).toEqual(['DescribeThingCommand', 'CreateThingCommand']);
  });

  it('says a throttled run can be repeated (exit code 12)', async () => {
    account.failOnce('DescribeEndpointCommand', awsError('ThrottlingException', 'Rate exceeded', 400));
    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['throttled', 12]);
    expect(error.message).toBe(
      `AWS IoT throttled iot:DescribeEndpoint in ${REGION} even after retries: wait a minute and run provision ` +
        'again (a rerun reuses what was already created).',
    );
  });

  it('explains a thing that exists with other settings and cannot be found (exit code 13)', async () => {
    account.failOnce(
      'CreateThingCommand',
      awsError('ResourceAlreadyExistsException', 'Thing exists with a different type', 409),
    );
    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['conflict', 13]);
    expect(error.message).toBe(
      `Thing "${THING}" already exists in ${REGION} with different settings, so iot:CreateThing refused it: ` +
        'choose another --thing-name, or remove the existing one in the AWS IoT console, then run provision again.',
    );
    expect(account.certificates.size).toBe(0);
  });

  it('stops before minting a certificate when the policy does not exist (exit code 14)', async () => {
    const error = await failure(run({ policyName: 'no-such-policy' }));
    expect([error.reason, error.exitCode]).toEqual(['policy_not_found', 14]);
    expect(error.message).toBe(
      `The IoT policy "no-such-policy" does not exist in ${REGION}: deploy the stack (sls deploy creates it) ` +
        'or pass --policy with the name of an existing IoT policy, then run provision again.',
    );
    expect(account.mock.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(0);
  });

  it('explains an unreachable endpoint (exit code 15)', async () => {
    account.failOnce(
      'DescribeThingCommand',
      Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
    );
    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['unreachable', 15]);
    expect(error.message).toBe(
      `AWS IoT in ${REGION} could not be reached for iot:DescribeThing (ENOTFOUND): check the network, DNS and ` +
        'any HTTPS proxy, then run provision again.',
    );
  });

  it('refuses to reuse a recorded certificate that AWS has revoked', async () => {
    await run();
    const [certificateId] = [...account.certificates.keys()];
    const certificate = account.certificates.get(certificateId as string);
    if (certificate) certificate.status = 'REVOKED';
    account.mock.resetHistory();

    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['conflict', 13]);
    expect(error.message).toBe(
      `The certificate ${certificateId} recorded in ${outDir} is REVOKED in AWS IoT: activate it in the AWS IoT ` +
        `console, or move ${outDir} aside and run provision again to mint a new one.`,
    );
    expect(account.mock.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(0);
  });

  it("refuses an output directory that holds another thing's certificate", async () => {
    await run({ thingName: 'gateway-02' });
    account.mock.resetHistory();
    const error = await failure(run());
    expect(error.reason).toBe('conflict');
    expect(error.message).toBe(
      `${outDir} already holds the certificate of thing "gateway-02" in ${REGION}: pass another --out for ` +
        `"${THING}" in ${REGION}, or rerun with --thing-name gateway-02 --region ${REGION} to finish that one.`,
    );
    expect(account.mock.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(0);
  });

  it('refuses a recorded state whose private key is gone', async () => {
    await run();
    await rm(join(outDir, 'private.pem.key'));
    const error = await failure(run());
    expect(error.reason).toBe('conflict');
    expect(error.message).toContain(`${join(outDir, 'private.pem.key')} is missing`);
  });

  it('refuses an unwritable output location before any mutating call (exit code 16)', async () => {
    const blocker = join(base, 'a-file');
    await writeFile(blocker, 'not a directory');
    outDir = join(blocker, 'iot');
    const error = await failure(run());
    expect([error.reason, error.exitCode]).toEqual(['local_files', 16]);
    expect(error.message).toBe(
      `Could not create the directory ${outDir} (ENOTDIR): choose a writable --out directory or run as a user who may write there.`,
    );
    expect(account.callNames()).toEqual([]);
  });
});
