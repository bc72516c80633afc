import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  GetPolicyCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A mocked IoT control plane: no local server answers these calls, so the IoT client's `send` is mocked
 * (aws-sdk-client-mock) and answered from a small in-memory account that remembers what earlier calls made,
 * so a rerun sees what the first run created.
 */

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const ENDPOINT = 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com';
export const GATEWAY_POLICY = 'topic-bridge-gateway';

const notFound = (what: string) =>
  new ResourceNotFoundException({ message: `${what} not found`, $metadata: {} });

/** The account's state, visible to tests. */
export interface MockedAccount {
  things: Map<string, string>;
  policies: Set<string>;
  certificates: Map<string, { arn: string; status: string; policies: string[] }>;
  thingPrincipals: Map<string, string[]>;
  mock: ReturnType<typeof mockClient>;
  client: IoTClient;
  /** Names of the commands sent, in order. */
  callNames(): string[];
  /** The next call of this command (e.g. `AttachPolicyCommand`) throws this error instead of answering. */
  failOnce(commandName: string, error: Error): void;
}

/** Installs the mocked control plane with the gateway policy present and nothing else. */
export function mockIotAccount(): MockedAccount {
  const mock = mockClient(IoTClient);
  const account: MockedAccount = {
    things: new Map(),
    policies: new Set([GATEWAY_POLICY]),
    certificates: new Map(),
    thingPrincipals: new Map(),
    mock,
    client: new IoTClient({
      region: REGION,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    }),
    callNames: () => mock.calls().map((call) => (call.args[0] as object).constructor.name),
    failOnce: (commandName, error) => failures.set(commandName, error),
  };
  const failures = new Map<string, Error>();
  const throwPlanted = (commandName: string) => {
    const planted = failures.get(commandName);
    failures.delete(commandName);
    if (planted) throw planted;
  };
  let serial = 0;
  mock.on(DescribeThingCommand).callsFake(({ thingName }) => {
    throwPlanted('DescribeThingCommand');
    const arn = account.things.get(thingName);
    if (!arn) throw notFound(`thing ${thingName}`);
    return { thingName, thingArn: arn };
  });
  mock.on(CreateThingCommand).callsFake(({ thingName }) => {
    throwPlanted('CreateThingCommand');
    if (account.things.has(thingName))
      throw new ResourceAlreadyExistsException({ message: 'exists', $metadata: {} });
    const thingArn = `arn:aws:iot:${REGION}:${ACCOUNT}:thing/${thingName}`;
    account.things.set(thingName, thingArn);
    return { thingName, thingArn };
  });
  mock.on(GetPolicyCommand).callsFake(({ policyName }) => {
    throwPlanted('GetPolicyCommand');
    if (!account.policies.has(policyName)) throw notFound(`policy ${policyName}`);
    return { policyName };
  });
  mock.on(CreateKeysAndCertificateCommand).callsFake(({ setAsActive }) => {
    throwPlanted('CreateKeysAndCertificateCommand');
    serial += 1;
    const certificateId = `${'c'.repeat(60)}${String(serial).padStart(4, '0')}`;
    const certificateArn = `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${certificateId}`;
    account.certificates.set(certificateId, {
      arn: certificateArn,
      status: setAsActive ? 'ACTIVE' : 'INACTIVE',
      policies: [],
    });
    return {
      certificateId,
      certificateArn,
      certificatePem: `-----BEGIN CERTIFICATE-----\ncert-${serial}\n-----END CERTIFICATE-----\n`,
      keyPair: {
        PublicKey: 'public',
        PrivateKey: `-----BEGIN RSA PRIVATE KEY-----\nkey-${serial}\n-----END RSA PRIVATE KEY-----\n`,
      },
    };
  });
  mock.on(DescribeCertificateCommand).callsFake(({ certificateId }) => {
    throwPlanted('DescribeCertificateCommand');
    const certificate = account.certificates.get(certificateId);
    if (!certificate) throw notFound(`certificate ${certificateId}`);
    return {
      certificateDescription: { certificateId, certificateArn: certificate.arn, status: certificate.status },
    };
  });
  const certificateByArn = (arn: string) => [...account.certificates.values()].find((c) => c.arn === arn);
  mock.on(ListAttachedPoliciesCommand).callsFake(({ target }) => {
    throwPlanted('ListAttachedPoliciesCommand');
    return {
      policies: (certificateByArn(target)?.policies ?? []).map((policyName) => ({ policyName })),
    };
  });
  mock.on(AttachPolicyCommand).callsFake(({ policyName, target }) => {
    throwPlanted('AttachPolicyCommand');
    const certificate = certificateByArn(target);
    if (!certificate || !account.policies.has(policyName))
      throw notFound(`policy ${policyName} or ${target}`);
    if (!certificate.policies.includes(policyName)) certificate.policies.push(policyName);
    return {};
  });
  mock.on(ListThingPrincipalsCommand).callsFake(({ thingName }) => {
    throwPlanted('ListThingPrincipalsCommand');
    if (!account.things.has(thingName)) throw notFound(`thing ${thingName}`);
    return { principals: account.thingPrincipals.get(thingName) ?? [] };
  });
  mock.on(AttachThingPrincipalCommand).callsFake(({ thingName, principal }) => {
    throwPlanted('AttachThingPrincipalCommand');
    if (!account.things.has(thingName)) throw notFound(`thing ${thingName}`);
    const principals = account.thingPrincipals.get(thingName) ?? [];
    if (!principals.includes(principal)) principals.push(principal);
    account.thingPrincipals.set(thingName, principals);
    return {};
  });
  mock.on(DescribeEndpointCommand).callsFake(({ endpointType }) => {
    throwPlanted('DescribeEndpointCommand');
    if (endpointType !== 'iot:Data-ATS') throw new Error(`unexpected endpoint type ${endpointType}`);
    return { endpointAddress: ENDPOINT };
  });
  return account;
}
