import type { Resource, SpecDatabase } from '@aws-cdk/service-spec-types';

/** What the parts of the template check (cfn-schema.ts) share: small helpers and the state of one check. */

/** One thing wrong in a template: where (a dotted path) and what. */
export interface TemplateProblem {
  path: string;
  problem: string;
}

/** How much one check looked at (see TemplateCheck in cfn-schema.ts). */
export interface CheckCounts {
  properties: number;
  refs: number;
  getAtts: number;
}

/** The state of one check: the schemas, the template's named things, and what was found so far. */
export interface CheckContext {
  spec: SpecDatabase;
  resources: Json;
  parameters: Json;
  conditions: Json;
  problems: TemplateProblem[];
  counts: CheckCounts;
}

export type Json = Record<string, unknown>;

/** The type of a custom resource; `Custom::*` types are checked as this one. */
export const CUSTOM_RESOURCE_TYPE = 'AWS::CloudFormation::CustomResource';

/** Parameters every template has (AWS CloudFormation's pseudo-parameters). */
export const PSEUDO_PARAMETERS: readonly string[] = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
];

/** What an intrinsic function evaluates to, as far as fitting it to a property's type goes. */
export type Shape = 'scalar' | 'list' | 'object' | 'any';

/** The intrinsic functions CloudFormation knows, with the shape of their result ('if': its branches'). */
export const INTRINSIC_RESULTS: Readonly<Record<string, Shape | 'if'>> = {
  Ref: 'scalar', // refined in cfn-values.ts: list parameters and AWS::NotificationARNs give lists
  'Fn::GetAtt': 'any', // refined in cfn-values.ts from the attribute's own type
  'Fn::Base64': 'scalar',
  'Fn::Cidr': 'list',
  'Fn::FindInMap': 'any',
  'Fn::GetAZs': 'list',
  'Fn::If': 'if',
  'Fn::ImportValue': 'any',
  'Fn::Join': 'scalar',
  'Fn::Length': 'scalar',
  'Fn::Select': 'any',
  'Fn::Split': 'list',
  'Fn::Sub': 'scalar',
  'Fn::ToJsonString': 'scalar',
  'Fn::Transform': 'any',
  'Fn::And': 'scalar',
  'Fn::Equals': 'scalar',
  'Fn::Not': 'scalar',
  'Fn::Or': 'scalar',
};

/** A new, empty check of a template's named things. */
export function newContext(
  spec: SpecDatabase,
  named: Pick<CheckContext, 'resources' | 'parameters' | 'conditions'>,
): CheckContext {
  return { spec, ...named, problems: [], counts: { properties: 0, refs: 0, getAtts: 0 } };
}

/** Records one problem. */
export function report(ctx: CheckContext, path: string, problem: string): void {
  ctx.problems.push({ path, problem });
}

/** The schema of a resource type, or undefined when AWS has no such type. */
export function resourceSpec(ctx: CheckContext, type: string): Resource | undefined {
  const found = ctx.spec.lookup('resource', 'cloudFormationType', 'equals', type);
  return found.length === 1 ? found[0] : undefined;
}

/** A JSON object (not null, not a list). */
export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a value is, for messages: "a list", "an object", "a string", … */
export const kindOf = (value: unknown): string =>
  Array.isArray(value)
    ? 'a list'
    : value === null
      ? 'null'
      : isObject(value)
        ? 'an object'
        : `a ${typeof value}`;

/** The intrinsic function name if `value` is a call of one (an object with a single `Ref` or `Fn::` key). */
export function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return undefined;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}
