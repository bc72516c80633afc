import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type MockedAccount, mockIotAccount, REGION } from './mocked-iot-account.js';

/** `device-agent provision` through the real CLI entry (`main(argv)`), the IoT client mocked for every instance. */

let account: MockedAccount;
let base: string;
let stdout: string;
let stderr: string;

beforeEach(async () => {
  account = mockIotAccount();
  base = await mkdtemp(join(tmpdir(), 'provision-main-'));
  stdout = '';
  stderr = '';
});

afterEach(async () => {
  account.mock.restore();
  await rm(base, { recursive: true, force: true });
});

function cli(...argv: string[]) {
  return main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  });
}

describe('device-agent provision (main) against a mocked IoT control plane', () => {
  it('provisions and exits 0', async () => {
    const out = join(base, 'iot');
    const args = ['provision', '--thing-name', 'gateway-01', '--region', REGION, '--out', out];
    expect(await cli(...args, '--policy', 'topic-bridge-gateway')).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe(`Provisioning thing "gateway-01" in ${REGION} into ${out}`);
    expect((await readdir(out)).sort()).toEqual([
      'AmazonRootCA1.pem',
      'certificate.pem.crt',
      'iot-output.yaml',
      'private.pem.key',
      'provision.json',
    ]);
  });

  it('exits with the documented code and one sentence when the policy is missing', async () => {
    const code = await cli(
      'provision',
      '--thing-name',
      'gateway-01',
      '--region',
      REGION,
      '--out',
      join(base, 'iot'),
    );
    expect(code).toBe(14);
    expect(stderr).toBe(
      `device-agent: The IoT policy "topic-bridge-bridge-gateway" does not exist in ${REGION}: deploy the stack ` +
        '(sls deploy creates it) or pass --policy with the name of an existing IoT policy, then run provision again.\n',
    );
  });

  it('exits 2 without --thing-name, and documents its exit codes in --help', async () => {
    expect(await cli('provision', '--region', REGION)).toBe(2);
    expect(stderr).toContain('thing-name');
    stdout = '';
    expect(await cli('provision', '--help')).toBe(0);
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      'Exit codes: 0 ok, 1 unexpected, 2 invalid_argument, 10 no_credentials, 11 access_denied, 12 throttled, ' +
        '13 conflict, 14 policy_not_found, 15 unreachable, 16 local_files.',
    );
  });
});
