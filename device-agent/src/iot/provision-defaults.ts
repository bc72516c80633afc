import { homedir } from 'node:os';
import { join } from 'node:path';

/** The IoT policy `sls deploy` creates for gateways (stage `bridge`); `--policy` names another. */
export const DEFAULT_GATEWAY_POLICY = 'topic-bridge-bridge-gateway';

/** The output directory's name under the agent's config directory. */
const IOT_DIR_NAME = 'iot';

/**
 * Where `provision` writes by default: `/etc/device-agent/iot` for root (a systemd service's config lives in
 * /etc), else `$XDG_CONFIG_HOME/device-agent/iot` (`~/.config/device-agent/iot`).
 */
export function defaultProvisionDir(
  env: NodeJS.ProcessEnv,
  isRoot: boolean,
  home: string = homedir(),
): string {
  if (isRoot) return join('/etc/device-agent', IOT_DIR_NAME);
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(configHome, 'device-agent', IOT_DIR_NAME);
}
