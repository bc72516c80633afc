import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProvisionArgs, runProvision } from '../../src/cli/provision.js';
import { defaultProvisionDir } from '../../src/iot/provision-defaults.js';
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

function cli(args: Partial<ProvisionArgs>, region: () => Promise<string> = async () => REGION) {
  return runProvision(
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
      err: (line) => err.push(line),
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

  it('without a Region, says how to set one and exits 3', async () => {
    const code = await cli({}, async () => {
      throw new Error('Region is missing');
    });
    expect(code).toBe(3);
    expect(err).toEqual([
      'device-agent provision: No AWS Region is set: pass --region (e.g. --region eu-west-1) or set AWS_REGION, then run provision again.',
    ]);
    expect(account.callNames()).toEqual([]);
  });

  it('an invalid thing name exits 2 with the rule', async () => {
    expect(await cli({ thingName: 'has space' })).toBe(2);
    expect(err[0]).toMatch(
      /^device-agent provision: Cannot provision: the thing name "has space" is not valid/,
    );
  });

  it('AccessDenied exits 4 naming the action', async () => {
    account.failOnce(
      'GetPolicyCommand',
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    expect(await cli({})).toBe(4);
    expect(err[0]).toMatch(
      /^device-agent provision: AWS denied iot:GetPolicy on policy "topic-bridge-gateway"/,
    );
  });

  it('defaults the output directory to the agent config directory', () => {
    expect(defaultProvisionDir({}, true)).toBe('/etc/device-agent/iot');
    expect(defaultProvisionDir({}, false, '/home/pi')).toBe('/home/pi/.config/device-agent/iot');
    expect(defaultProvisionDir({ XDG_CONFIG_HOME: '/cfg' }, false, '/home/pi')).toBe('/cfg/device-agent/iot');
  });
});
