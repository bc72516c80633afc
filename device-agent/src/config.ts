import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  envName,
  flagName,
  MAX_SEGMENT_BYTES,
  SETTINGS,
  type Setting,
  type SettingKind,
} from './config-settings.js';
import type { LogLevel } from './log.js';

/**
 * Loads the agent's configuration: a YAML or JSON file, then `DEVICE_AGENT_*` environment variables, then
 * flags, each overriding the one before, validated as a whole before anything starts. Every problem is
 * reported with its key path and where the value came from.
 */

/** The validated configuration of `device-agent run`. */
export interface AgentConfig {
  bridge: {
    url: string;
    /** Never logged. */
    token?: string;
    tokenFile?: string;
    tokenTransport: 'protocol' | 'query';
    connectTimeoutMs: number;
    pingIntervalMs: number;
    pongTimeoutMs: number;
    renewAfterMs: number;
    renewDrainMs: number;
    backoffInitialMs: number;
    backoffMaxMs: number;
    stableAfterMs: number;
  };
  device: { id: string };
  state: { dir: string };
  queue: { kind: 'disk' | 'memory'; maxBytes: number; fsyncIntervalMs: number; segmentBytes: number };
  delivery: { window: number; paceFramesPerSecond: number; ackTimeoutMs: number };
  health: { enabled: boolean; port: number; stallAfterMs: number };
  log: { level: LogLevel; pretty: boolean };
  /** The `inputs:` list, as validated by the inputs module. */
  inputs: unknown[];
  /** The `output:` section as `validateOutput` returned it (AWS IoT Core, docs/IOT.md); absent: the WebSocket. */
  output?: unknown;
}

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  keyPath: string;
  message: string;
}

export interface ConfigSources {
  /** The config file (`--config`, else DEVICE_AGENT_CONFIG); none is fine when everything else is given. */
  file?: string | undefined;
  env: Record<string, string | undefined>;
  /** Parsed flags, by flag name (`bridge-url`); absent flags undefined. */
  flags: Record<string, unknown>;
  /** Validates the `inputs:` list (the inputs module's validateInputsConfig). */
  validateInputs: (
    raw: unknown,
  ) =>
    | { ok: true; value: unknown[] }
    | { ok: false; error: { reason: string; keyPath?: string; problem?: string } };
  /** Validates an `output:` section (the IoT Core output's validateIotCoreOutput); absent, `output:` is unknown. */
  validateOutput?: (
    raw: unknown,
  ) => { ok: true; value: unknown } | { ok: false; error: { keyPath: string; problem: string } };
}

type Loaded = { ok: true; config: AgentConfig } | { ok: false; problems: ConfigProblem[] };

/** Reads and validates the configuration; never throws for a bad value, it reports it. */
export async function loadConfig(sources: ConfigSources): Promise<Loaded> {
  const problems: ConfigProblem[] = [];
  const fileName = sources.file ?? sources.env.DEVICE_AGENT_CONFIG;
  const file = fileName === undefined ? {} : await readConfigFile(fileName, problems);
  checkUnknownKeys(file, problems, sources.validateOutput !== undefined);
  // With another output, the WebSocket URL is not needed.
  const hasOutput = file.output !== undefined && sources.validateOutput !== undefined;
  const values = new Map<string, unknown>();
  for (const setting of SETTINGS) {
    const picked = pick(setting, file, sources);
    if (picked.raw === undefined) {
      if (setting.optional) continue;
      if (setting.default === undefined && !(hasOutput && setting.path === 'bridge.url'))
        problems.push({ keyPath: setting.path, message: `is required (${sourceHint(setting)})` });
      values.set(setting.path, setting.default);
      continue;
    }
    const parsed = parseValue(setting.kind, picked.raw, setting.secret);
    if (parsed.ok) values.set(setting.path, parsed.value);
    else problems.push({ keyPath: setting.path, message: `${parsed.problem} (from ${picked.from})` });
  }
  const inputs = sources.validateInputs(file.inputs ?? []);
  if (!inputs.ok) {
    const { keyPath, problem, reason } = inputs.error;
    problems.push(
      keyPath && problem ? { keyPath, message: problem } : { keyPath: 'inputs', message: reason },
    );
  }
  const output = hasOutput ? sources.validateOutput?.(file.output) : undefined;
  if (output && !output.ok) problems.push({ keyPath: output.error.keyPath, message: output.error.problem });
  if (problems.length > 0) return { ok: false, problems };
  const config = build(values, inputs.ok ? inputs.value : []);
  if (output?.ok) config.output = output.value;
  problems.push(...crossChecks(config));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** One line per problem, for the CLI's exit-2 message. */
export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `config ${p.keyPath}: ${p.message}`).join('\n');
}

async function readConfigFile(fileName: string, problems: ConfigProblem[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(fileName, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    problems.push({ keyPath: '(file)', message: `cannot read ${path.resolve(fileName)}: ${code}` });
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    problems.push({
      keyPath: '(file)',
      message: `${fileName} is not valid YAML or JSON: ${(error as Error).message}`,
    });
    return {};
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({
      keyPath: '(file)',
      message: `${fileName} must hold a mapping of sections (bridge:, queue:, …)`,
    });
    return {};
  }
  return parsed as Record<string, unknown>;
}

function checkUnknownKeys(
  file: Record<string, unknown>,
  problems: ConfigProblem[],
  outputKnown: boolean,
): void {
  const sections = new Map<string, string[]>();
  for (const { path: key } of SETTINGS) {
    const [section, leaf] = key.split('.') as [string, string];
    sections.set(section, [...(sections.get(section) ?? []), leaf]);
  }
  for (const [section, value] of Object.entries(file)) {
    if (section === 'inputs' || (section === 'output' && outputKnown)) continue;
    const leaves = sections.get(section);
    if (!leaves) {
      problems.push({
        keyPath: section,
        message: `unknown section (known: ${[...sections.keys(), 'inputs', ...(outputKnown ? ['output'] : [])].join(', ')})`,
      });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ keyPath: section, message: `must be a mapping with keys ${leaves.join(', ')}` });
      continue;
    }
    for (const leaf of Object.keys(value)) {
      if (!leaves.includes(leaf))
        problems.push({
          keyPath: `${section}.${leaf}`,
          message: `unknown key (known in ${section}: ${leaves.join(', ')})`,
        });
    }
  }
}

function pick(
  setting: Setting,
  file: Record<string, unknown>,
  sources: ConfigSources,
): { raw: unknown; from: string } {
  const flag = flagName(setting.path);
  if (sources.flags[flag] !== undefined) return { raw: sources.flags[flag], from: `--${flag}` };
  const env = envName(setting.path);
  if (sources.env[env] !== undefined && sources.env[env] !== '') return { raw: sources.env[env], from: env };
  const [section, leaf] = setting.path.split('.') as [string, string];
  const inFile = (file[section] as Record<string, unknown> | undefined)?.[leaf];
  return { raw: inFile ?? undefined, from: 'the config file' };
}

function sourceHint(setting: Setting): string {
  return `set ${setting.path} in the config file, ${envName(setting.path)}, or --${flagName(setting.path)}`;
}

/** Parses one raw value (a typed value from the file, or a string from the environment or a flag). */
export function parseValue(
  kind: SettingKind,
  raw: unknown,
  secret = false,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  // A secret's value is never repeated in a message: it would end up in a terminal or a journal.
  const shown = secret ? '(the value is not shown)' : JSON.stringify(raw);
  switch (kind.type) {
    case 'integer': {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < kind.min || value > kind.max) {
        return { ok: false, problem: `must be an integer from ${kind.min} to ${kind.max}, got ${shown}` };
      }
      return { ok: true, value };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === '1') return { ok: true, value: true };
      if (raw === 'false' || raw === '0') return { ok: true, value: false };
      return { ok: false, problem: `must be true or false, got ${shown}` };
    }
    case 'enum':
      return typeof raw === 'string' && kind.values.includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: `must be one of ${kind.values.join(', ')}, got ${shown}` };
    case 'url': {
      const url = typeof raw === 'string' && URL.canParse(raw) ? new URL(raw) : undefined;
      return url && kind.protocols.includes(url.protocol)
        ? { ok: true, value: raw }
        : {
            ok: false,
            problem: `must be a ${kind.protocols.map((p) => `${p}//`).join(' or ')} URL, got ${shown}`,
          };
    }
    case 'string':
      if (typeof raw !== 'string' || raw === '')
        return { ok: false, problem: `must be a non-empty string, got ${shown}` };
      if (kind.pattern && !kind.pattern.test(raw))
        return { ok: false, problem: `must be ${kind.patternHelp}, got ${shown}` };
      return { ok: true, value: raw };
  }
}

function build(values: Map<string, unknown>, inputs: unknown[]): AgentConfig {
  const tree: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of values) {
    const [section, leaf] = key.split('.') as [string, string];
    tree[section] = { ...tree[section], [leaf]: value };
  }
  const config = { ...tree, inputs } as unknown as AgentConfig;
  config.queue.segmentBytes = Math.min(MAX_SEGMENT_BYTES, Math.floor(config.queue.maxBytes / 8));
  return config;
}

function crossChecks(config: AgentConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.bridge.backoffInitialMs > config.bridge.backoffMaxMs) {
    problems.push({ keyPath: 'bridge.backoffInitialMs', message: 'must not exceed bridge.backoffMaxMs' });
  }
  if (config.bridge.token !== undefined && config.bridge.tokenFile !== undefined) {
    problems.push({ keyPath: 'bridge.token', message: 'give bridge.token or bridge.tokenFile, not both' });
  }
  if (config.bridge.pongTimeoutMs >= config.bridge.pingIntervalMs) {
    problems.push({ keyPath: 'bridge.pongTimeoutMs', message: 'must be shorter than bridge.pingIntervalMs' });
  }
  return problems;
}
