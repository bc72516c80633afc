import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_GATEWAY_TOPIC_ROOT } from '../iot/iot-output-config.js';
import { DEFAULT_GATEWAY_POLICY } from '../iot/provision-defaults.js';
import { PROVISION_EXIT_CODES } from '../iot/provision-errors.js';
import type { CliIo } from './io.js';
import type { IotClientFactory } from './provision-run.js';

const EXIT_CODE_HELP = Object.entries(PROVISION_EXIT_CODES)
  .sort(([, a], [, b]) => a - b)
  .map(([code, exit]) => `${exit} ${code}`)
  .join(', ');

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
  createIot?: IotClientFactory,
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
      // Loaded here, not at the top: the AWS SDK costs memory that `run` on a gateway should not pay.
      const { createIotClient, provisionFromCli } = await import('./provision-run.js');
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
          createIot: createIot ?? createIotClient,
        },
      );
    },
  };
}
