import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProvisionArgs, provisionFromCli } from '../../src/cli/provision-run.js';
import { defaultProvisionDir } from '../../src/iot/provision-defaults.js';
import { ProvisionError } from '../../src/iot/provision-errors.js';
import {
  ENDPOINT,
  GATEWAY_POLICY,
  type MockedAccount,
  mockIotAccount,
  REGION,
} from './mocked-iot-account.js';

let account: MockedAccount;
let base: string;
let out: string[];
let err: string[];

beforeEach(async () => {
  account = mockIotAccount();
  base = await mkdtemp(join(tmpdir(), 'provision-cli-'));
  out = [];
  err = [];
});

afterEach(async () => {
  account.mock.restore();
  await rm(base, { recursive: true, force: true });
});

/** Runs the command and returns its exit code; the error's sentence goes to `err`, as main prints it. */
async function cli(args: Partial<ProvisionArgs>, region: () => Promise<string> = async () => REGION) {
  try {
    await run(args, region);
    return 0;
  } catch (error) {
    if (!(error instanceof ProvisionError)) throw error;
    err.push(error.message);
    return error.exitCode;
  }
}

function run(args: Partial<ProvisionArgs>, region: () => Promise<string>) {
  return provisionFromCli(
    {
      thingName: 'gateway-01',
      policy: GATEWAY_POLICY,
      out: join(base, 'iot'),
      topicRoot: 'sensors',
      dryRun: false,
      ...args,
    },
    {
      out: (line) => out.push(line),
      env: {},
      isRoot: false,
      createIot: () => ({ iot: account.client, region }),
    },
  );
}

describe('device-agent provision (command line) against a mocked IoT control plane', () => {
  it('prints one line per step and exits 0', async () => {
    expect(await cli({})).toBe(0);
    const dir = join(base, 'iot');
    expect(out[0]).toBe(`Provisioning thing "gateway-01" in ${REGION} into ${dir}`);
    expect(out.slice(1, -1).map((line) => line.slice(0, 4))).toEqual([
      '  ✓ ',
      '  = ',
      '  ✓ ',
      '  ✓ ',
      '  ✓ ',
      '  = ',
      '  ✓ ',
    ]);
    expect(out).toContain(`  = data endpoint ${ENDPOINT}`);
    expect(out.at(-1)).toBe(
      `Done. The IoT Core output's settings are in ${dir}/iot-output.yaml: merge them into the agent's config.`,
    );
    expect(err).toEqual([]);
    expect((await stat(join(dir, 'private.pem.key'))).mode & 0o777).toBe(0o600);
  });

  it('--dry-run prints what it would do, exits 0 and writes nothing', async () => {
    expect(await cli({ dryRun: true })).toBe(0);
    expect(out[0]).toBe('Dry run: only read-only AWS IoT calls; nothing is created or written.');
    expect(out).toContain('  … would create thing "gateway-01"');
    expect(out).toContain('  … would create keys and an active certificate');
    expect(out.at(-1)).toBe('Dry run complete: run again without --dry-run to do the steps marked "would".');
    expect(await readdir(base)).toEqual([]);
  });

  it('without a Region, says how to set one and exits 10', async () => {
    const code = await cli({}, async () => {
      throw new Error('Region is missing');
    });
    expect(code).toBe(10);
    expect(err).toEqual([
      'No AWS Region is set: pass --region (e.g. --region eu-west-1) or set AWS_REGION, then run provision again.',
    ]);
    expect(account.callNames()).toEqual([]);
  });

  it('an invalid thing name exits 2 with the rule', async () => {
    expect(await cli({ thingName: 'has space' })).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/^Cannot provision: the thing name "has space" is not valid/);
  });

  it('AccessDenied exits 11 naming the action', async () => {
    account.failOnce(
      'GetPolicyCommand',
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    expect(await cli({})).toBe(11);
    expect(err[0]).toMatch(/^AWS denied iot:GetPolicy on policy "topic-bridge-gateway"/);
  });

  it('defaults the output directory to the agent config directory', () => {
    expect(defaultProvisionDir({}, true)).toBe('/etc/device-agent/iot');
    expect(defaultProvisionDir({}, false, '/home/pi')).toBe('/home/pi/.config/device-agent/iot');
    expect(defaultProvisionDir({ XDG_CONFIG_HOME: '/cfg' }, false, '/home/pi')).toBe('/cfg/device-agent/iot');
  });
});
