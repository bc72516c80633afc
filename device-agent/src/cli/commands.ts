import type { CommandModule } from 'yargs';
import type { CliIo } from './io.js';
import { provisionCommand } from './provision.js';
import { publishCommand } from './publish.js';
import { runCommand } from './run.js';
import { subscribeCommand } from './subscribe.js';

/**
 * Every `device-agent` command, one file each. A new command is one file exporting a yargs command module
 * factory, plus one line here.
 */
// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type.
export const COMMANDS: ((io: CliIo) => CommandModule<object, any>)[] = [
  runCommand,
  publishCommand,
  subscribeCommand,
  provisionCommand,
];
