import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * What the Lambda bundles use instead of `@aws-sdk/credential-provider-node` (serverless.yml aliases it here
 * in `custom.esbuild.alias`): every SDK client imports that default chain (environment, SSO, INI files,
 * process, web identity, ECS and EC2 metadata), about 116 KB of a 370 KB bundle, while a Lambda only ever
 * needs the environment: the runtime sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
 * to the function role's credentials for the life of the execution environment. The local stack sets them
 * too. Code outside the bundles (tests, tools, the agent) keeps the SDK's full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
