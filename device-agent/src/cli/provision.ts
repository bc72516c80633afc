import { resolve } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import type { Argv, CommandModule } from 'yargs';
import type { IotControlPlane } from '../iot/iot-calls.js';
import { DEFAULT_GATEWAY_TOPIC_ROOT } from '../iot/iot-output-config.js';
import { type ProvisionStep, provisionGateway } from '../iot/provision.js';
import { DEFAULT_GATEWAY_POLICY, defaultProvisionDir } from '../iot/provision-defaults.js';
import { explainAwsError, PROVISION_EXIT_CODES, ProvisionError } from '../iot/provision-errors.js';
import { amazonRootCa1Pem } from '../iot/root-ca.js';

/** The flags of `device-agent provision`. */
export interface ProvisionArgs {
  thingName: string;
  region?: string;
  policy: string;
  out?: string;
  topicRoot: string;
  dryRun: boolean;
}

/** What the command talks to: the terminal, the environment, and how an IoT client is made (tests mock it). */
export interface ProvisionCliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  /** An IoT client plus the Region it resolved (from --region, AWS_REGION or the profile). */
  createIot(region: string | undefined): { iot: IotControlPlane; region: () => Promise<string> };
}

const MARKS: Record<ProvisionStep['outcome'], string> = { done: '✓', already: '=', would: '…' };

/** Runs `provision` and returns the process exit code (0, or one of PROVISION_EXIT_CODES). */
export async function runProvision(args: ProvisionArgs, io: ProvisionCliIo): Promise<number> {
  const outDir = resolve(args.out ?? defaultProvisionDir(io.env, io.isRoot));
  try {
    const { iot, region: resolveRegion } = io.createIot(args.region);
    const region = await resolveRegion().catch((error: unknown) => {
      throw explainAwsError(error, { action: 'provision', subject: 'the Region' });
    });
    if (args.dryRun) io.out(`Dry run: only read-only AWS IoT calls; nothing is created or written.`);
    io.out(`Provisioning thing "${args.thingName}" in ${region} into ${outDir}`);
    await provisionGateway(
      {
        thingName: args.thingName,
        policyName: args.policy,
        outDir,
        region,
        topicRoot: args.topicRoot,
        dryRun: args.dryRun,
      },
      {
        iot,
        report: (step) =>
          io.out(`  ${MARKS[step.outcome]} ${step.outcome === 'would' ? 'would ' : ''}${step.detail}`),
        now: () => new Date(),
        rootCaPem: amazonRootCa1Pem,
      },
    );
    io.out(
      args.dryRun
        ? 'Dry run complete: run again without --dry-run to do the steps marked "would".'
        : `Done. The IoT Core output's settings are in ${outDir}/iot-output.yaml: merge them into the agent's config.`,
    );
    return 0;
  } catch (error) {
    const explained =
      error instanceof ProvisionError
        ? error
        : explainAwsError(error, { action: 'provision', subject: `thing "${args.thingName}"` });
    io.err(`device-agent provision: ${explained.message}`);
    return explained.exitCode;
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

/** The yargs command module for `device-agent provision`. */
export const provisionCommand: CommandModule<object, ProvisionFlags> = {
  command: 'provision',
  describe:
    'Register this gateway with AWS IoT Core: thing, certificate, policy, endpoint, and the files the IoT Core output needs',
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
      .epilogue(
        `Exit codes: ${EXIT_CODE_HELP}. A rerun is safe: it reuses the thing and the certificate in --out.`,
      ),
  handler: async (flags) => {
    const args: ProvisionArgs = {
      thingName: flags['thing-name'],
      region: flags.region,
      policy: flags.policy,
      out: flags.out,
      topicRoot: flags['topic-root'],
      dryRun: flags['dry-run'],
    };
    process.exitCode = await runProvision(args, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      env: process.env,
      isRoot: process.getuid?.() === 0,
      createIot: createIotClient,
    });
  },
};
