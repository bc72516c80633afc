#!/usr/bin/env node
// Installs the Debian packages the tests need (mosquitto, chromium) when they are missing, so that
// `npm test` works on a fresh machine. Never downloads a browser of its own (see ../shared/FACTS.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

/** The Debian packages the test suites use, and the file each installs. */
const REQUIRED_PACKAGES = [
  { name: 'mosquitto', binary: '/usr/sbin/mosquitto', usedBy: 'MQTT input and IoT Core output tests' },
  { name: 'chromium', binary: '/usr/bin/chromium', usedBy: 'dashboard tests in headless Chromium' },
  { name: 'openssl', binary: '/usr/bin/openssl', usedBy: 'mutual-TLS tests (certificates)' },
];

// Stops Debian's maintainer scripts from starting a mosquitto daemon on port 1883 during the install.
const POLICY_RC = '/usr/sbin/policy-rc.d';

const missing = REQUIRED_PACKAGES.filter((pkg) => !existsSync(pkg.binary));
if (missing.length === 0) process.exit(0);

const names = missing.map((pkg) => pkg.name);
console.log(
  `Installing Debian packages the tests need: ${names.join(', ')} (${missing.map((p) => p.usedBy).join('; ')})`,
);
if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) {
  console.error(
    `Cannot install ${names.join(', ')}: this needs apt-get as root. Install them yourself ` +
      `(sudo apt-get install -y ${names.join(' ')}) and run the tests again.`,
  );
  process.exit(1);
}
const hadPolicy = existsSync(POLICY_RC);
try {
  if (!hadPolicy) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], {
    stdio: 'inherit',
    env,
  });
} catch (error) {
  console.error(
    `apt-get could not install ${names.join(', ')}: ${error.message}. Check the machine's access to Debian's package mirrors.`,
  );
  process.exit(1);
} finally {
  if (!hadPolicy) rmSync(POLICY_RC, { force: true });
}
