import { CreateKeysAndCertificateCommand, DescribeCertificateCommand } from '@aws-sdk/client-iot';
import { callIot, isNotFound } from './iot-calls.js';
import type { ProvisionDeps, ProvisionRequest } from './provision.js';
import { ProvisionError } from './provision-errors.js';
import {
  PRIVATE_KEY_MODE,
  type ProvisionState,
  PUBLIC_FILE_MODE,
  provisionPaths,
  readProvisionState,
  writeFileAtomically,
} from './provision-files.js';

/** The gateway's certificate: recorded by an earlier run, or minted by this one. */
export interface GatewayCertificate {
  certificateId: string;
  certificateArn: string;
  /** When the certificate was first provisioned: kept on reruns so they rewrite identical files. */
  provisionedAt: string;
}

/**
 * Reuses the certificate an earlier run recorded in `outDir` when AWS still has it ACTIVE, else mints one.
 * A minted certificate's key is written (mode 0600) before anything else happens: AWS returns it only once.
 * Returns undefined in a dry run that would mint one.
 */
export async function ensureCertificate(
  request: ProvisionRequest,
  deps: ProvisionDeps,
  thingArn: string | undefined,
): Promise<GatewayCertificate | undefined> {
  const recorded = await readProvisionState(request.outDir);
  if (recorded) return reuseRecorded(request, deps, recorded);
  if (request.dryRun) {
    deps.report({ step: 'certificate', outcome: 'would', detail: 'create keys and an active certificate' });
    return undefined;
  }
  const { region } = request;
  const minted = await callIot(
    { action: 'iot:CreateKeysAndCertificate', subject: 'a new certificate', region },
    () => deps.iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true })),
  );
  const { certificateId, certificateArn, certificatePem } = minted;
  const privateKey = minted.keyPair?.PrivateKey;
  if (!certificateId || !certificateArn || !certificatePem || !privateKey) {
    throw new ProvisionError(
      'unexpected',
      'AWS IoT returned an incomplete certificate; run provision again.',
    );
  }
  const paths = provisionPaths(request.outDir);
  await writeFileAtomically(paths.privateKey, privateKey, PRIVATE_KEY_MODE);
  await writeFileAtomically(paths.certificate, certificatePem, PUBLIC_FILE_MODE);
  const state: ProvisionState = {
    thingName: request.thingName,
    thingArn: thingArn ?? '',
    certificateId,
    certificateArn,
    policyName: request.policyName,
    region,
    provisionedAt: deps.now().toISOString(),
  };
  await writeFileAtomically(paths.state, `${JSON.stringify(state, null, 2)}\n`, PUBLIC_FILE_MODE);
  deps.report({
    step: 'certificate',
    outcome: 'done',
    detail: `created active certificate ${certificateId}`,
  });
  return { certificateId, certificateArn, provisionedAt: state.provisionedAt };
}

async function reuseRecorded(
  request: ProvisionRequest,
  deps: ProvisionDeps,
  recorded: ProvisionState,
): Promise<GatewayCertificate> {
  const { outDir, thingName, region } = request;
  if (recorded.thingName !== thingName || recorded.region !== region) {
    throw new ProvisionError(
      'conflict',
      `${outDir} already holds the certificate of thing "${recorded.thingName}" in ${recorded.region}: ` +
        `pass another --out for "${thingName}" in ${region}, or rerun with --thing-name ${recorded.thingName} ` +
        `--region ${recorded.region} to finish that one.`,
    );
  }
  const { certificateId, certificateArn, provisionedAt } = recorded;
  let status: string | undefined;
  try {
    const described = await callIot(
      { action: 'iot:DescribeCertificate', subject: `certificate ${certificateId}`, region },
      () => deps.iot.send(new DescribeCertificateCommand({ certificateId })),
    );
    status = described.certificateDescription?.status;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    status = 'deleted';
  }
  if (status !== 'ACTIVE') {
    throw new ProvisionError(
      'conflict',
      `The certificate ${certificateId} recorded in ${outDir} is ${status ?? 'unknown'} in AWS IoT: activate it ` +
        `in the AWS IoT console, or move ${outDir} aside and run provision again to mint a new one.`,
    );
  }
  deps.report({
    step: 'certificate',
    outcome: 'already',
    detail: `reusing active certificate ${certificateId} from ${outDir}`,
  });
  return { certificateId, certificateArn, provisionedAt };
}
