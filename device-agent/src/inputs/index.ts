/**
 * The inputs of the device agent: what the config loader and the agent use. `validateInputsConfig` checks the
 * `inputs:` list and fills in defaults (`defaults.ts`); `createInput` builds one input from its config.
 * `docs/INPUTS.md` documents every input and key.
 */
import { CommandInput } from './command/command-input.js';
import type { InputConfig } from './config-types.js';
import { FileInput } from './file/file-input.js';
import type { Input } from './input.js';
import { MqttInput } from './mqtt/mqtt-input.js';
import { type InputDeps, resolveDeps } from './shared/deps.js';
import { SimulatedInput } from './simulated/simulated-input.js';
import { StdinInput } from './stdin/stdin-input.js';

export * from './config-types.js';
export * from './defaults.js';
export type { EmitResult, Input, InputContext, InputLogger, Reading, ReadingRejected } from './input.js';
export type { InputDeps, Timers } from './shared/deps.js';
export { type InputsConfigProblem, validateInputsConfig } from './validate-config.js';
export { CommandInput, FileInput, MqttInput, SimulatedInput, StdinInput };

/** Builds the input a validated config describes; `deps` replaces clocks, timers, processes or the broker client. */
export function createInput(config: InputConfig, deps?: InputDeps): Input {
  const resolved = resolveDeps(deps);
  switch (config.type) {
    case 'mqtt':
      return new MqttInput(config, resolved);
    case 'file':
      return new FileInput(config, resolved);
    case 'command':
      return new CommandInput(config, resolved);
    case 'stdin':
      return new StdinInput(config, resolved);
    case 'simulated':
      return new SimulatedInput(config, resolved);
  }
}
