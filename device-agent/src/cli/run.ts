import type { Argv, CommandModule, Options } from 'yargs';
import { createAgent } from '../agent.js';
import { formatProblems, loadConfig } from '../config.js';
import { envName, flagName, SETTINGS } from '../config-settings.js';
import { ConfigError } from '../errors.js';
import { createInput, type InputConfig, validateInputsConfig } from '../inputs/index.js';
import { validateIotCoreOutput } from '../iot/iot-core-output.js';
import { loadIotCoreTls } from '../iot/iot-core-tls.js';
import type { IotCoreOutputSettings } from '../iot/iot-output-config.js';
import { openLogger } from '../log.js';
import type { CliIo } from './io.js';

type RunArgs = { config?: string } & Record<string, unknown>;

/** `device-agent run`: the long-running agent. */
export function runCommand(io: CliIo): CommandModule<object, RunArgs> {
  return {
    command: 'run',
    describe: 'Run the agent: read the inputs, queue readings on disk, publish them to the bridge',
    builder: (yargs: Argv) => {
      let built = yargs.option('config', {
        type: 'string',
        describe: 'YAML or JSON config file (also DEVICE_AGENT_CONFIG)',
      });
      for (const setting of SETTINGS) {
        const option: Options = {
          type: setting.kind.type === 'boolean' ? 'boolean' : 'string',
          describe: `${setting.describe} [${envName(setting.path)}]${setting.default === undefined ? '' : ` (default: ${setting.default})`}`,
          group: 'Settings (flags override DEVICE_AGENT_* variables, which override the config file):',
          ...(setting.alias === undefined ? {} : { alias: setting.alias }),
        };
        built = built.option(flagName(setting.path), option);
      }
      return built
        .example('$0 run --config /etc/device-agent/config.yaml', 'run as installed by the systemd unit')
        .example(
          '$0 run --bridge-url ws://127.0.0.1:3001 --state-dir ./state',
          'try it against the local stack',
        )
        .epilog(
          'Stops cleanly on SIGINT or SIGTERM (exit 0). Exit 2 when the configuration is invalid (the message names the key), 1 when the agent cannot start (e.g. the state directory is not writable).',
        ) as unknown as Argv<RunArgs>;
    },
    handler: async (args) => {
      const flags: Record<string, unknown> = {};
      for (const setting of SETTINGS) flags[flagName(setting.path)] = args[flagName(setting.path)];
      const loaded = await loadConfig({
        file: args.config,
        env: io.env,
        flags,
        validateInputs: validateInputsConfig,
        validateOutput: validateIotCoreOutput,
      });
      if (!loaded.ok) {
        const first = loaded.problems[0] as { keyPath: string; message: string };
        throw new ConfigError(first.keyPath, first.message, { cause: formatProblems(loaded.problems) });
      }
      const { config } = loaded;
      const logger = await openLogger({ level: config.log.level, pretty: config.log.pretty });
      // `output: {type: iot-core, …}` (as `device-agent provision` writes it) replaces the WebSocket link.
      const output = config.output as IotCoreOutputSettings | undefined;
      // Loaded only when configured: it brings in the MQTT client, which a WebSocket-only gateway never needs.
      const createLink =
        output &&
        (await import('../iot/iot-core-link-factory.js')).iotCoreLinkFactory(
          output,
          await loadIotCoreTls(output),
        );
      const agent = createAgent({
        ...(createLink ? { createLink } : {}),
        config,
        inputs: config.inputs.map((c) => createInput(c as InputConfig)),
        logger,
        WebSocket: io.WebSocket,
      });
      try {
        await agent.start();
        if (!io.signal.aborted)
          await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
        logger.info({}, 'stopping on request');
      } finally {
        await agent.stop();
      }
    },
  };
}
