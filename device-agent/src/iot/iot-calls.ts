import {
  DescribeThingCommand,
  GetPolicyCommand,
  type IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { type AwsCallContext, explainAwsError, ProvisionError } from './provision-errors.js';

/** The slice of the IoT client provisioning uses: tests hand in a client whose `send` is mocked. */
export type IotControlPlane = Pick<IoTClient, 'send'>;

/** Runs one control-plane call, translating any SDK error into a ProvisionError with a sentence to act on. */
export async function callIot<T>(call: AwsCallContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw explainAwsError(error, call);
  }
}

/** True when the SDK error says the named resource does not exist. */
export function isNotFound(error: unknown): boolean {
  const cause = error instanceof ProvisionError ? error.cause : error;
  return (cause as { name?: string } | undefined)?.name === 'ResourceNotFoundException';
}

/** The thing's ARN, or undefined when no thing has that name. */
export async function findThing(iot: IotControlPlane, thingName: string, region: string) {
  try {
    const found = await callIot(
      { action: 'iot:DescribeThing', subject: `thing "${thingName}"`, region },
      () => iot.send(new DescribeThingCommand({ thingName })),
    );
    return found.thingArn;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Fails with a clear sentence when the policy to attach does not exist, before anything is minted. */
export async function requirePolicy(iot: IotControlPlane, policyName: string, region: string): Promise<void> {
  try {
    await callIot({ action: 'iot:GetPolicy', subject: `policy "${policyName}"`, region }, () =>
      iot.send(new GetPolicyCommand({ policyName })),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new ProvisionError(
      'policy_not_found',
      `The IoT policy "${policyName}" does not exist in ${region}: deploy the stack (sls deploy creates it) ` +
        'or pass --policy with the name of an existing IoT policy, then run provision again.',
      { cause: error },
    );
  }
}

/** Every policy name attached to a certificate (all pages). */
export async function attachedPolicyNames(iot: IotControlPlane, certificateArn: string, region: string) {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await callIot(
      { action: 'iot:ListAttachedPolicies', subject: `certificate ${certificateArn}`, region },
      () => iot.send(new ListAttachedPoliciesCommand({ target: certificateArn, marker })),
    );
    for (const policy of page.policies ?? []) if (policy.policyName) names.push(policy.policyName);
    marker = page.nextMarker;
  } while (marker);
  return names;
}

/** Every principal (certificate ARN) attached to a thing (all pages). */
export async function thingPrincipals(iot: IotControlPlane, thingName: string, region: string) {
  const principals: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callIot(
      { action: 'iot:ListThingPrincipals', subject: `thing "${thingName}"`, region },
      () => iot.send(new ListThingPrincipalsCommand({ thingName, nextToken })),
    );
    principals.push(...(page.principals ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return principals;
}
