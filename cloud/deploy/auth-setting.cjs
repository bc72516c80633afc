'use strict';

/**
 * A local serverless plugin (v3 and v4): checks the `auth` parameter, which serverless.yml passes to the
 * handlers as AUTH_MODE. `on` (the default) needs nothing; `off` prints a warning on package, deploy and
 * offline, since anyone who knows the URL may then read and publish every topic; anything else is refused.
 */
class AuthSettingPlugin {
  constructor(serverless, _options, utils) {
    this.serverless = serverless;
    this.log = utils?.log;
    this.warned = false;
    const check = () => this.check();
    this.hooks = {
      'before:package:initialize': check,
      'before:deploy:deploy': check,
      'before:offline:start': check,
      'before:offline:start:init': check,
    };
  }

  check() {
    const mode = String(this.serverless.service.provider.environment?.AUTH_MODE ?? '');
    const keyParameter = this.serverless.service.functions?.authorizer?.environment?.AUTH_KEY_PARAMETER;
    if (typeof keyParameter === 'string' && !keyParameter.startsWith('/')) {
      throw new this.serverless.classes.Error(
        `The "authKeyParameter" parameter must be a full SSM name starting with "/"; got "${keyParameter}".`,
      );
    }
    if (mode === 'on') return;
    if (mode !== 'off') {
      throw new this.serverless.classes.Error(
        `The "auth" parameter must be "on" or "off"; got "${mode}". Leave it out to keep authorization on.`,
      );
    }
    if (this.warned) return;
    this.warned = true;
    const message =
      'Authorization is OFF (--param="auth=off"): anyone who knows the URL can subscribe to "#" and ' +
      'publish to any topic. Remove the parameter to require tokens (SECURITY.md).';
    if (this.log?.warning) this.log.warning(message);
    else console.warn(message);
  }
}

module.exports = AuthSettingPlugin;
