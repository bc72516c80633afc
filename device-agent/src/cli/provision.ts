import { resolve } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import type { Argv, CommandModule } from 'yargs';
import type { IotControlPlane } from '../iot/iot-calls.js';
import { DEFAULT_GATEWAY_TOPIC_ROOT } from '../iot/iot-output-config.js';
import { type ProvisionStep, provisionGateway } from '../iot/provision.js';
import { DEFAULT_GATEWAY_POLICY, defaultProvisionDir } from '../iot/provision-defaults.js';
import { explainAwsError, PROVISION_EXIT_CODES, ProvisionError } from '../iot/provision-errors.js';
import { amazonRootCa1Pem } from '../iot/root-ca.js';
import { validateThingName } from '../iot/thing-name.js';
import type { CliIo } from './io.js';

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

const EXIT_CODE_HELP = Object.entries(PROVISION_EXIT_CODES)
  .sort(([, a], [, b]) => a - b)
  .map(([code, exit]) => `${exit} ${code}`)
  .join(', ');

/** Builds an IoT client for a Region (or the SDK's default Region chain). */
function createIotClient(region: string | undefined) {
  const client = new IoTClient(region ? { region } : {});
  return { iot: client, region: () => client.config.region() };
}

/** The flags as yargs types them (kebab-case). */
interface ProvisionFlags {
  'thing-name': string;
  region: string | undefined;
  policy: string;
  out: string | undefined;
  'topic-root': string;
  'dry-run': boolean;
}

/** `device-agent provision`: registers this gateway with AWS IoT Core. */
export function provisionCommand(
  io: CliIo,
  createIot: IotClientFactory = createIotClient,
): CommandModule<object, ProvisionFlags> {
  return {
    command: 'provision',
    describe:
      'Register this gateway with AWS IoT Core: thing, certificate, policy, endpoint, and the files its IoT Core output needs',
    builder: (yargs: Argv<object>) =>
      yargs
        .option('thing-name', {
          type: 'string',
          demandOption: true,
          describe: 'The thing name: also the MQTT client id and the topic level the gateway publishes under',
        })
        .option('region', {
          type: 'string',
          describe: "AWS Region (default: AWS_REGION or the profile's Region)",
        })
        .option('policy', {
          type: 'string',
          default: DEFAULT_GATEWAY_POLICY,
          describe: 'The IoT policy to attach to the certificate (sls deploy creates the default one)',
        })
        .option('out', {
          type: 'string',
          describe:
            'Output directory (default: /etc/device-agent/iot as root, else ~/.config/device-agent/iot)',
        })
        .option('topic-root', {
          type: 'string',
          default: DEFAULT_GATEWAY_TOPIC_ROOT,
          describe:
            'Topic root the gateway publishes under (<root>/<thing name>/…), as the gateway policy allows',
        })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'Print each step; make only read-only AWS calls; write nothing',
        })
        .example('$0 provision --thing-name gateway-01 --region eu-west-1', 'register this gateway')
        .epilogue(
          `Exit codes: 0 ok, ${EXIT_CODE_HELP}. A rerun is safe: it reuses the thing and the certificate in --out.`,
        ),
    handler: async (flags) => {
      await provisionFromCli(
        {
          thingName: flags['thing-name'],
          region: flags.region,
          policy: flags.policy,
          out: flags.out,
          topicRoot: flags['topic-root'],
          dryRun: flags['dry-run'],
        },
        {
          out: (line) => io.stdout.write(`${line}\n`),
          env: io.env,
          isRoot: process.getuid?.() === 0,
          createIot,
        },
      );
    },
  };
}
