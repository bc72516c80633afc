import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const AuthSettingPlugin = require('../../deploy/auth-setting.cjs') as new (
  serverless: unknown,
  options: unknown,
  utils: unknown,
) => { hooks: Record<string, () => void> };

/** The plugin as serverless loads it, over a service whose resolved `auth` parameter is `mode`. */
function pluginFor(mode: string, keyParameter = '/topic-bridge/bridge/auth-key') {
  const warnings: string[] = [];
  const serverless = {
    service: {
      provider: { environment: { AUTH_MODE: mode } },
      functions: { authorizer: { environment: { AUTH_KEY_PARAMETER: keyParameter } } },
    },
    classes: { Error },
  };
  const plugin = new AuthSettingPlugin(
    serverless,
    {},
    { log: { warning: (line: string) => warnings.push(line) } },
  );
  return { plugin, warnings };
}

describe('the auth-setting serverless plugin (package, deploy, offline)', () => {
  it('says nothing when auth is on', () => {
    const { plugin, warnings } = pluginFor('on');
    plugin.hooks['before:package:initialize']?.();
    expect(warnings).toEqual([]);
  });

  it('warns once when auth is off, however many hooks run', () => {
    const { plugin, warnings } = pluginFor('off');
    plugin.hooks['before:package:initialize']?.();
    plugin.hooks['before:deploy:deploy']?.();
    expect(warnings).toEqual([
      'Authorization is OFF (--param="auth=off"): anyone who knows the URL can subscribe to "#" and publish to any topic. Remove the parameter to require tokens (SECURITY.md).',
    ]);
  });

  it('refuses any other auth value, and a key parameter that is not a full SSM name', () => {
    expect(() => pluginFor('yes').plugin.hooks['before:offline:start:init']?.()).toThrow(
      'The "auth" parameter must be "on" or "off"; got "yes". Leave it out to keep authorization on.',
    );
    expect(() => pluginFor('on', 'auth-key').plugin.hooks['before:package:initialize']?.()).toThrow(
      'The "authKeyParameter" parameter must be a full SSM name starting with "/"; got "auth-key".',
    );
  });
});
