import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateThingCommand,
  DescribeEndpointCommand,
} from '@aws-sdk/client-iot';
import { ensureCertificate } from './certificate.js';
import {
  attachedPolicyNames,
  callIot,
  findThing,
  type IotControlPlane,
  requirePolicy,
  thingPrincipals,
} from './iot-calls.js';
import { ProvisionError } from './provision-errors.js';
import { ensureOutputDir } from './provision-files.js';
import { writeOutputFiles } from './provision-output.js';
import { validateThingName } from './thing-name.js';

/** What to provision, after the CLI has resolved its flags (outDir absolute, region known). */
export interface ProvisionRequest {
  thingName: string;
  policyName: string;
  outDir: string;
  region: string;
  /** Gateways publish under `<topicRoot>/<thing name>/…`. */
  topicRoot: string;
  /** Only read-only calls; print what would be done; write nothing. */
  dryRun: boolean;
}

/** How one step ended: done now, found done already, or (dry run) what would be done. */
export type StepOutcome = 'done' | 'already' | 'would';

/** One line of the provisioning report. */
export interface ProvisionStep {
  step: 'thing' | 'policy' | 'certificate' | 'attach-policy' | 'attach-thing' | 'endpoint' | 'files';
  outcome: StepOutcome;
  detail: string;
}

/** Collaborators: the IoT client (mocked in tests), the step reporter, the clock and the root CA source. */
export interface ProvisionDeps {
  iot: IotControlPlane;
  report(step: ProvisionStep): void;
  now(): Date;
  rootCaPem(): string | undefined;
}

/** What a run leaves behind (in a dry run, what it found). */
export interface ProvisionResult {
  thingArn?: string;
  certificateArn?: string;
  endpoint: string;
  /** Files written (empty in a dry run). */
  files: string[];
}

/**
 * Registers a gateway with AWS IoT Core: the thing, a certificate with the policy attached, the thing
 * principal, and the files the agent's IoT Core output needs. Every step first looks at what exists, so a
 * rerun reuses the thing and the certificate recorded in `outDir` and changes nothing else.
 */
export async function provisionGateway(
  request: ProvisionRequest,
  deps: ProvisionDeps,
): Promise<ProvisionResult> {
  const name = validateThingName(request.thingName);
  if (!name.ok) throw new ProvisionError('invalid_argument', `Cannot provision: ${name.error}.`);
  const { iot, report } = deps;
  const { thingName, policyName, region, dryRun } = request;
  if (!dryRun) await ensureOutputDir(request.outDir);

  const thingArn = await ensureThing(request, deps);
  await requirePolicy(iot, policyName, region);
  report({ step: 'policy', outcome: 'already', detail: `IoT policy "${policyName}" exists` });

  const certificate = await ensureCertificate(request, deps, thingArn);
  const certificateArn = certificate?.certificateArn;

  if (!certificateArn) {
    report({
      step: 'attach-policy',
      outcome: 'would',
      detail: `attach policy "${policyName}" to the new certificate`,
    });
  } else if ((await attachedPolicyNames(iot, certificateArn, region)).includes(policyName)) {
    report({
      step: 'attach-policy',
      outcome: 'already',
      detail: `policy "${policyName}" is attached to the certificate`,
    });
  } else if (dryRun) {
    report({
      step: 'attach-policy',
      outcome: 'would',
      detail: `attach policy "${policyName}" to the certificate`,
    });
  } else {
    await callIot({ action: 'iot:AttachPolicy', subject: `policy "${policyName}"`, region }, () =>
      iot.send(new AttachPolicyCommand({ policyName, target: certificateArn })),
    );
    report({
      step: 'attach-policy',
      outcome: 'done',
      detail: `attached policy "${policyName}" to the certificate`,
    });
  }

  if (!certificateArn || !thingArn) {
    report({
      step: 'attach-thing',
      outcome: 'would',
      detail: `attach the certificate to thing "${thingName}"`,
    });
  } else if ((await thingPrincipals(iot, thingName, region)).includes(certificateArn)) {
    report({
      step: 'attach-thing',
      outcome: 'already',
      detail: `the certificate is attached to thing "${thingName}"`,
    });
  } else if (dryRun) {
    report({
      step: 'attach-thing',
      outcome: 'would',
      detail: `attach the certificate to thing "${thingName}"`,
    });
  } else {
    await callIot({ action: 'iot:AttachThingPrincipal', subject: `thing "${thingName}"`, region }, () =>
      iot.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn })),
    );
    report({
      step: 'attach-thing',
      outcome: 'done',
      detail: `attached the certificate to thing "${thingName}"`,
    });
  }

  const endpoint = await dataEndpoint(iot, region);
  report({ step: 'endpoint', outcome: 'already', detail: `data endpoint ${endpoint}` });

  const files = await writeOutputFiles(request, deps, { thingArn, certificate, endpoint });
  return { thingArn, certificateArn, endpoint, files };
}

async function ensureThing(request: ProvisionRequest, deps: ProvisionDeps): Promise<string | undefined> {
  const { thingName, region } = request;
  const existing = await findThing(deps.iot, thingName, region);
  if (existing) {
    deps.report({ step: 'thing', outcome: 'already', detail: `thing "${thingName}" exists (${existing})` });
    return existing;
  }
  if (request.dryRun) {
    deps.report({ step: 'thing', outcome: 'would', detail: `create thing "${thingName}"` });
    return undefined;
  }
  try {
    const created = await callIot(
      { action: 'iot:CreateThing', subject: `thing "${thingName}"`, region },
      () => deps.iot.send(new CreateThingCommand({ thingName })),
    );
    deps.report({
      step: 'thing',
      outcome: 'done',
      detail: `created thing "${thingName}" (${created.thingArn})`,
    });
    return created.thingArn;
  } catch (error) {
    // Another run may have created it between our lookup and our create: then reuse it.
    const raced = error instanceof ProvisionError && error.reason === 'conflict';
    const now = raced ? await findThing(deps.iot, thingName, region) : undefined;
    if (!now) throw error;
    deps.report({ step: 'thing', outcome: 'already', detail: `thing "${thingName}" exists (${now})` });
    return now;
  }
}

async function dataEndpoint(iot: IotControlPlane, region: string): Promise<string> {
  const found = await callIot({ action: 'iot:DescribeEndpoint', subject: 'the data endpoint', region }, () =>
    iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })),
  );
  if (!found.endpointAddress) {
    throw new ProvisionError(
      'unexpected',
      `AWS IoT returned no iot:Data-ATS endpoint in ${region}; run provision again.`,
    );
  }
  return found.endpointAddress;
}
