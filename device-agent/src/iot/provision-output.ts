import type { GatewayCertificate } from './certificate.js';
import { gatewayTopicPrefix, IOT_CORE_MQTT_PORT, renderOutputConfig } from './iot-output-config.js';
import type { ProvisionDeps, ProvisionRequest } from './provision.js';
import { ProvisionError } from './provision-errors.js';
import {
  type ProvisionState,
  PUBLIC_FILE_MODE,
  provisionPaths,
  writeFileAtomically,
} from './provision-files.js';
import { AMAZON_ROOT_CA_URL } from './root-ca.js';

/** What the earlier steps found or made. */
export interface ProvisionedParts {
  thingArn: string | undefined;
  certificate: GatewayCertificate | undefined;
  endpoint: string;
}

/**
 * Writes the root CA, the state (with the endpoint) and the IoT Core output's config snippet; the key and
 * certificate were written when minted. In a dry run, reports what it would write. Returns the paths written.
 */
export async function writeOutputFiles(
  request: ProvisionRequest,
  deps: ProvisionDeps,
  parts: ProvisionedParts,
): Promise<string[]> {
  const paths = provisionPaths(request.outDir);
  const listed = [paths.certificate, paths.privateKey, paths.rootCa, paths.state, paths.outputConfig];
  if (request.dryRun || !parts.certificate || !parts.thingArn) {
    deps.report({ step: 'files', outcome: 'would', detail: `write ${listed.join(', ')}` });
    return [];
  }
  const rootCa = deps.rootCaPem();
  if (!rootCa) {
    throw new ProvisionError(
      'unexpected',
      `This Node.js has no built-in Amazon Root CA 1: download ${AMAZON_ROOT_CA_URL} to ${paths.rootCa} and run provision again.`,
    );
  }
  const { certificateId, certificateArn, provisionedAt } = parts.certificate;
  const state: ProvisionState = {
    thingName: request.thingName,
    thingArn: parts.thingArn,
    certificateId,
    certificateArn,
    policyName: request.policyName,
    region: request.region,
    endpoint: parts.endpoint,
    provisionedAt,
  };
  const snippet = renderOutputConfig(
    {
      endpoint: parts.endpoint,
      port: IOT_CORE_MQTT_PORT,
      clientId: request.thingName,
      topicPrefix: gatewayTopicPrefix(request.topicRoot, request.thingName),
      certFile: paths.certificate,
      keyFile: paths.privateKey,
      caFile: paths.rootCa,
    },
    `AWS IoT Core output for thing "${request.thingName}", written by \`device-agent provision\` at ${provisionedAt}.\n` +
      `Merge into the agent's config file. Root CA: ${AMAZON_ROOT_CA_URL}`,
  );
  await writeFileAtomically(paths.rootCa, rootCa, PUBLIC_FILE_MODE);
  await writeFileAtomically(paths.state, `${JSON.stringify(state, null, 2)}\n`, PUBLIC_FILE_MODE);
  await writeFileAtomically(paths.outputConfig, snippet, PUBLIC_FILE_MODE);
  deps.report({ step: 'files', outcome: 'done', detail: `wrote ${listed.join(', ')}` });
  return listed;
}
