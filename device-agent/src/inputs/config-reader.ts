/**
 * Reads one mapping of the config file key by key. A bad value raises a ConfigIssue naming its key path
 * (`inputs[2].intervalSeconds`); `validateInputsConfig` catches it and returns it as a result, so callers
 * never see a throw.
 */

/** One bad key, with a sentence saying what it should be. */
export class ConfigIssue extends Error {
  constructor(
    readonly keyPath: string,
    readonly problem: string,
  ) {
    super(`${keyPath} ${problem}`);
    this.name = 'ConfigIssue';
  }
}

type NumberRule = { default?: number; min?: number; max?: number; integer?: boolean; positive?: boolean };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.slice(0, 40)}"`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** True for `{…}` values (not lists, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Typed access to the keys of one mapping, each failure naming `path.key`. */
export class MappingReader {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly path: string,
  ) {}

  /** Reads `raw` as a mapping, or raises an issue at `path`. */
  static of(raw: unknown, path: string): MappingReader {
    if (!isMapping(raw))
      throw new ConfigIssue(path, `must be a mapping of keys to values, not ${describe(raw)}`);
    return new MappingReader(raw, path);
  }

  /** The key path of `key`, for nested readers and messages. */
  pathOf(key: string): string {
    return `${this.path}.${key}`;
  }

  /** Raises an issue for a key this input does not know (a typo would otherwise be silently ignored). */
  rejectUnknownKeys(known: readonly string[], what: string): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key)) {
        throw new ConfigIssue(this.pathOf(key), `is not a key of ${what} (known keys: ${known.join(', ')})`);
      }
    }
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  /** A required non-empty string. */
  string(key: string): string {
    const value = this.raw[key];
    if (value === undefined || value === null) throw new ConfigIssue(this.pathOf(key), 'is required');
    if (typeof value !== 'string' || value.length === 0) {
      throw new ConfigIssue(this.pathOf(key), `must be a non-empty string, not ${describe(value)}`);
    }
    return value;
  }

  /** An optional non-empty string. */
  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  /** A number, checked against the rule, or the rule's default when absent. */
  number(key: string, rule: NumberRule): number {
    if (!this.has(key)) {
      if (rule.default === undefined) throw new ConfigIssue(this.pathOf(key), 'is required');
      return rule.default;
    }
    const value = this.raw[key];
    const kind = rule.integer ? 'an integer' : 'a number';
    const fail = (what: string) =>
      new ConfigIssue(this.pathOf(key), `must be ${what}, not ${describe(value)}`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw fail(rule.positive ? `a positive number` : kind);
    if (rule.integer && !Number.isInteger(value)) throw fail(kind);
    if (rule.positive && value <= 0) throw fail('a positive number');
    if (rule.min !== undefined && value < rule.min) throw fail(`${kind} of at least ${rule.min}`);
    if (rule.max !== undefined && value > rule.max) throw fail(`${kind} of at most ${rule.max}`);
    return value;
  }

  /** An optional number checked against the rule. */
  optionalNumber(key: string, rule: Omit<NumberRule, 'default'>): number | undefined {
    return this.has(key) ? this.number(key, rule) : undefined;
  }

  /** One of a fixed set of values, or the default when absent. */
  oneOf<T extends string | number>(key: string, allowed: readonly T[], fallback: T): T {
    if (!this.has(key)) return fallback;
    const value = this.raw[key];
    if (!allowed.includes(value as T)) {
      const list = allowed.map((item) => (typeof item === 'string' ? `"${item}"` : String(item))).join(', ');
      throw new ConfigIssue(this.pathOf(key), `must be one of ${list}, not ${describe(value)}`);
    }
    return value as T;
  }

  /** A required non-empty list, returned with the key path of each element. */
  list(key: string): { value: unknown; path: string }[] {
    const value = this.raw[key];
    if (value === undefined || value === null) throw new ConfigIssue(this.pathOf(key), 'is required');
    if (!Array.isArray(value) || value.length === 0) {
      throw new ConfigIssue(this.pathOf(key), `must be a non-empty list, not ${describe(value)}`);
    }
    return value.map((item, index) => ({ value: item, path: `${this.pathOf(key)}[${index}]` }));
  }
}
