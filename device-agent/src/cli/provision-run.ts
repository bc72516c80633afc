/**
 * What `device-agent provision` does once its flags are parsed. Kept apart from the command's definition so
 * that the AWS SDK (about 25 MB of memory) is loaded only when provisioning, never by `device-agent run`.
 */
import { resolve } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import type { IotControlPlane } from '../iot/iot-calls.js';
import { type ProvisionStep, provisionGateway } from '../iot/provision.js';
import { defaultProvisionDir } from '../iot/provision-defaults.js';
import { explainAwsError, ProvisionError } from '../iot/provision-errors.js';
import { amazonRootCa1Pem } from '../iot/root-ca.js';
import { validateThingName } from '../iot/thing-name.js';

/** The flags of `device-agent provision`, resolved. */
export interface ProvisionArgs {
  thingName: string;
  region?: string;
  policy: string;
  out?: string;
  topicRoot: string;
  dryRun: boolean;
}

/** An IoT client and the Region it resolved (from --region, AWS_REGION or the profile). */
export type IotClientFactory = (region: string | undefined) => {
  iot: IotControlPlane;
  region: () => Promise<string>;
};

/** What the command talks to: where lines go, the environment, and how an IoT client is made. */
export interface ProvisionCliDeps {
  out(line: string): void;
  env: Record<string, string | undefined>;
  isRoot: boolean;
  createIot: IotClientFactory;
}

const MARKS: Record<ProvisionStep['outcome'], string> = { done: '✓', already: '=', would: '…' };

/** Runs `provision`, printing one line per step; throws a ProvisionError (message and exit code) on failure. */
export async function provisionFromCli(args: ProvisionArgs, deps: ProvisionCliDeps): Promise<void> {
  const outDir = resolve(args.out ?? defaultProvisionDir(deps.env, deps.isRoot));
  const name = validateThingName(args.thingName);
  if (!name.ok) throw new ProvisionError('invalid_argument', `Cannot provision: ${name.error}.`);
  try {
    const { iot, region: resolveRegion } = deps.createIot(args.region);
    const region = await resolveRegion().catch((error: unknown) => {
      throw explainAwsError(error, { action: 'provision', subject: 'the Region' });
    });
    if (args.dryRun) deps.out('Dry run: only read-only AWS IoT calls; nothing is created or written.');
    deps.out(`Provisioning thing "${args.thingName}" in ${region} into ${outDir}`);
    const { thingName, policy: policyName, topicRoot, dryRun } = args;
    await provisionGateway(
      { thingName, policyName, outDir, region, topicRoot, dryRun },
      {
        iot,
        report: (step) =>
          deps.out(`  ${MARKS[step.outcome]} ${step.outcome === 'would' ? 'would ' : ''}${step.detail}`),
        now: () => new Date(),
        rootCaPem: amazonRootCa1Pem,
      },
    );
    deps.out(
      dryRun
        ? 'Dry run complete: run again without --dry-run to do the steps marked "would".'
        : `Done. The IoT Core output's settings are in ${outDir}/iot-output.yaml: merge them into the agent's config.`,
    );
  } catch (error) {
    if (error instanceof ProvisionError) throw error;
    throw explainAwsError(error, { action: 'provision', subject: `thing "${args.thingName}"` });
  }
}

/** Builds an IoT client for a Region (or the SDK's default Region chain). */
export function createIotClient(region: string | undefined) {
  const client = new IoTClient(region ? { region } : {});
  return { iot: client, region: () => client.config.region() };
}
