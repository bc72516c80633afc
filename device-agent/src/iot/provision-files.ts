import { access, chmod, constants, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvisionError } from './provision-errors.js';

/** The files `device-agent provision` writes into its output directory, by role. */
export const PROVISION_FILE_NAMES = {
  certificate: 'certificate.pem.crt',
  privateKey: 'private.pem.key',
  rootCa: 'AmazonRootCA1.pem',
  state: 'provision.json',
  outputConfig: 'iot-output.yaml',
} as const;

/** File modes: the private key is readable by its owner only; the directory holding it too. */
export const PRIVATE_KEY_MODE = 0o600;
/** Mode for the directory that holds the private key. */
export const OUTPUT_DIR_MODE = 0o700;
/** Mode for the certificate, the root CA and the state (nothing secret). */
export const PUBLIC_FILE_MODE = 0o644;

/** What a previous run recorded, so a rerun reuses its certificate instead of minting another. */
export interface ProvisionState {
  thingName: string;
  thingArn: string;
  certificateId: string;
  certificateArn: string;
  policyName: string;
  region: string;
  endpoint?: string;
  provisionedAt: string;
}

/** Absolute paths of every output file for a directory. */
export function provisionPaths(outDir: string): Record<keyof typeof PROVISION_FILE_NAMES, string> {
  return {
    certificate: join(outDir, PROVISION_FILE_NAMES.certificate),
    privateKey: join(outDir, PROVISION_FILE_NAMES.privateKey),
    rootCa: join(outDir, PROVISION_FILE_NAMES.rootCa),
    state: join(outDir, PROVISION_FILE_NAMES.state),
    outputConfig: join(outDir, PROVISION_FILE_NAMES.outputConfig),
  };
}

const STATE_KEYS = [
  'thingName',
  'thingArn',
  'certificateId',
  'certificateArn',
  'policyName',
  'region',
] as const;

/**
 * Reads the state a previous run left in `outDir`: undefined when there is none; a ProvisionError when
 * it is unreadable or its certificate and key are no longer both there (reusing it would then fail later).
 */
export async function readProvisionState(outDir: string): Promise<ProvisionState | undefined> {
  const paths = provisionPaths(outDir);
  let text: string;
  try {
    text = await readFile(paths.state, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw localFileError(`read ${paths.state}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ProvisionError(
      'conflict',
      `${paths.state} is not valid JSON: restore it, or move ${outDir} aside and run provision again.`,
      { cause: error },
    );
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const missingKey = STATE_KEYS.find((key) => typeof record[key] !== 'string' || record[key] === '');
  if (missingKey) {
    throw new ProvisionError(
      'conflict',
      `${paths.state} has no "${missingKey}": restore it, or move ${outDir} aside and run provision again.`,
    );
  }
  for (const file of [paths.certificate, paths.privateKey]) {
    if (!(await exists(file))) {
      throw new ProvisionError(
        'conflict',
        `${paths.state} records certificate ${record.certificateId} but ${file} is missing: restore it, or ` +
          `move ${outDir} aside and run provision again (then deactivate the old certificate in AWS IoT).`,
      );
    }
  }
  return record as unknown as ProvisionState;
}

/** Creates the output directory (owner-only, since it holds the private key) and checks it is writable. */
export async function ensureOutputDir(outDir: string): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true, mode: OUTPUT_DIR_MODE });
    await access(outDir, constants.W_OK);
  } catch (error) {
    throw localFileError(`create the directory ${outDir}`, error);
  }
}

/**
 * Writes a file atomically (temporary file, then rename) with an exact mode, whatever the umask,
 * so a crash never leaves half a key and the key is never readable by others, not even for a moment.
 */
export async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // A leftover from a crash may have a wider mode: remove it, then create afresh ('wx') with the mode.
    await rm(temporary, { force: true });
    await writeFile(temporary, content, { mode, flag: 'wx' });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    throw localFileError(`write ${path}`, error);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function localFileError(what: string, error: unknown): ProvisionError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new ProvisionError(
    'local_files',
    `Could not ${what} (${reason}): choose a writable --out directory or run as a user who may write there.`,
    { cause: error },
  );
}
