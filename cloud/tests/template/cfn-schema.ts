import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import {
  type CheckContext,
  CUSTOM_RESOURCE_TYPE,
  intrinsicName,
  isObject,
  kindOf,
  newContext,
  report,
  resourceSpec,
  type TemplateProblem,
} from './cfn-context.js';
import { checkConditionName, checkReferences } from './cfn-references.js';
import { checkObject } from './cfn-values.js';

/**
 * Checks a whole CloudFormation template against AWS's own resource schemas (the CloudFormation registry, as
 * packaged by `@aws-cdk/aws-service-spec`), offline, so that a template `sls deploy` would have rejected
 * fails in `npm test` first. Generic: it knows no resource of ours, only the schemas.
 *
 * What it checks:
 * - the template's top-level sections, and each resource's attributes (Type, Properties, DependsOn, …);
 * - logical ids are alphanumeric, the quotas on resources, parameters and outputs hold, export names are unique;
 * - every resource type exists (`Custom::*` types are custom resources: they need a ServiceToken only);
 * - every property, nested ones included as far as the schema describes them, is known and of the schema's
 *   type; required properties are present; literal strings are among the allowed values where the schema
 *   lists them;
 * - every `Ref` (and `${Name}` in `Fn::Sub`) names a resource, a parameter or a pseudo-parameter; every
 *   `Fn::GetAtt` (and `${Name.Attribute}`) names a resource and an attribute its type has; every
 *   `DependsOn` names a resource; every condition named exists;
 * - intrinsic functions are known, and what they return fits where they stand (a list where a list belongs).
 *
 * Scalars are compared as CloudFormation itself accepts them, not as strict JSON Schema does: a number where
 * a string is expected, or a numeric string where a number is, is accepted (CloudFormation converts them,
 * and `sls package` writes some numbers as strings). Values of type `json` (IAM policy documents) must be
 * objects; inside them only the references are checked.
 */

export { PSEUDO_PARAMETERS, type TemplateProblem } from './cfn-context.js';

/** What one check found and how much it looked at. */
export interface TemplateCheck {
  problems: TemplateProblem[];
  /** Resources checked. */
  resources: number;
  /** Property values checked against a schema type: every property, nested ones, list elements, map entries. */
  properties: number;
  /** `Ref`s (and `${Name}` in `Fn::Sub`) whose target was checked. */
  refs: number;
  /** `Fn::GetAtt`s (and `${Name.Attribute}` in `Fn::Sub`) whose resource and attribute were checked. */
  getAtts: number;
}

const TOP_LEVEL_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);

/** CloudFormation's quotas on one template (AWS CloudFormation User Guide, "quotas"). */
export const MAX_RESOURCES = 500;
export const MAX_OUTPUTS = 200;
export const MAX_PARAMETERS = 200;

/** Logical ids (of resources, parameters, outputs, conditions) are alphanumeric. */
const LOGICAL_ID = /^[A-Za-z0-9]+$/;

const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'];
const OUTPUT_KEYS = new Set(['Description', 'Value', 'Export', 'Condition']);

let loading: Promise<SpecDatabase> | undefined;

/** AWS's resource schemas, loaded once per process (about 1.5 s and 190 MB: share it). */
export function loadCfnSpec(): Promise<SpecDatabase> {
  loading ??= loadAwsServiceSpec();
  return loading;
}

/** Checks `template` against `spec`; never throws for a malformed template, it reports it. */
export function checkTemplate(template: unknown, spec: SpecDatabase): TemplateCheck {
  const none = { resources: {}, parameters: {}, conditions: {} };
  if (!isObject(template)) {
    return result(newContext(spec, none), 0, [
      { path: '', problem: `a template is an object, got ${kindOf(template)}` },
    ]);
  }
  const unknownSections = Object.keys(template)
    .filter((key) => !TOP_LEVEL_SECTIONS.has(key))
    .map((key) => ({ path: key, problem: 'unknown top-level section' }));
  const { Resources: resources } = template;
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    return result(newContext(spec, none), 0, [
      ...unknownSections,
      { path: 'Resources', problem: 'a template needs at least one resource' },
    ]);
  }
  const ctx = newContext(spec, {
    resources,
    parameters: isObject(template.Parameters) ? template.Parameters : {},
    conditions: isObject(template.Conditions) ? template.Conditions : {},
  });
  ctx.problems.push(...unknownSections);
  checkNames(ctx, template);
  for (const [logicalId, resource] of Object.entries(resources)) {
    checkResource(ctx, `Resources.${logicalId}`, resource);
  }
  checkOutputs(ctx, template.Outputs);
  checkReferences(ctx, 'Conditions', ctx.conditions);
  return result(ctx, Object.keys(resources).length);
}

function result(ctx: CheckContext, resources: number, problems: TemplateProblem[] = []): TemplateCheck {
  return { problems: [...problems, ...ctx.problems], resources, ...ctx.counts };
}

/** Logical ids, quotas, and export names (unique within the template, as within a Region). */
function checkNames(ctx: CheckContext, template: Record<string, unknown>): void {
  const sections: [string, number | undefined][] = [
    ['Resources', MAX_RESOURCES],
    ['Parameters', MAX_PARAMETERS],
    ['Outputs', MAX_OUTPUTS],
    ['Conditions', undefined],
  ];
  for (const [section, max] of sections) {
    const entries = template[section];
    if (!isObject(entries)) continue;
    const names = Object.keys(entries);
    if (max !== undefined && names.length > max) {
      report(ctx, section, `${names.length} entries; CloudFormation allows at most ${max}`);
    }
    for (const name of names) {
      if (!LOGICAL_ID.test(name))
        report(ctx, `${section}.${name}`, 'a logical id must be alphanumeric (A-Za-z0-9)');
    }
  }
  const exported = new Map<string, string>();
  for (const [name, output] of Object.entries(isObject(template.Outputs) ? template.Outputs : {})) {
    const exportName = isObject(output) && isObject(output.Export) ? output.Export.Name : undefined;
    if (typeof exportName !== 'string') continue;
    const first = exported.get(exportName);
    if (first !== undefined)
      report(ctx, `Outputs.${name}.Export.Name`, `export ${exportName} is also ${first}'s`);
    else exported.set(exportName, name);
  }
}

function checkResource(ctx: CheckContext, path: string, resource: unknown): void {
  if (!isObject(resource)) {
    report(ctx, path, `a resource is an object, got ${kindOf(resource)}`);
    return;
  }
  for (const key of Object.keys(resource)) {
    if (!RESOURCE_ATTRIBUTES.has(key)) report(ctx, `${path}.${key}`, 'unknown resource attribute');
  }
  checkDependsOn(ctx, `${path}.DependsOn`, resource.DependsOn);
  if (resource.Condition !== undefined) checkConditionName(ctx, `${path}.Condition`, resource.Condition);
  checkLiteralChoice(ctx, `${path}.DeletionPolicy`, resource.DeletionPolicy, DELETION_POLICIES);
  checkLiteralChoice(
    ctx,
    `${path}.UpdateReplacePolicy`,
    resource.UpdateReplacePolicy,
    UPDATE_REPLACE_POLICIES,
  );
  const { Type: type, Properties: properties = {} } = resource;
  if (!isObject(properties)) {
    report(ctx, `${path}.Properties`, `Properties is an object, got ${kindOf(properties)}`);
    return;
  }
  checkReferences(ctx, `${path}.Properties`, properties);
  if (typeof type !== 'string') {
    report(ctx, `${path}.Type`, 'every resource needs a Type (a string)');
    return;
  }
  const custom = type.startsWith('Custom::') || type === CUSTOM_RESOURCE_TYPE;
  const schema = resourceSpec(ctx, custom ? CUSTOM_RESOURCE_TYPE : type);
  if (schema === undefined) {
    report(ctx, `${path}.Type`, `unknown resource type ${type}`);
  } else if (custom) {
    // A custom resource's properties are its provider's business; only the ServiceToken is CloudFormation's.
    if (properties.ServiceToken === undefined)
      report(ctx, `${path}.Properties`, 'missing required ServiceToken');
  } else {
    checkObject(ctx, `${path}.Properties`, properties, schema.properties, type);
  }
}

function checkLiteralChoice(ctx: CheckContext, path: string, value: unknown, allowed: string[]): void {
  if (value === undefined || intrinsicName(value) !== undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    report(ctx, path, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
}

function checkDependsOn(ctx: CheckContext, path: string, dependsOn: unknown): void {
  if (dependsOn === undefined) return;
  const targets = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  for (const [index, target] of targets.entries()) {
    const at = Array.isArray(dependsOn) ? `${path}[${index}]` : path;
    if (typeof target !== 'string') {
      report(ctx, at, `DependsOn names resources (strings), got ${kindOf(target)}`);
    } else if (!(target in ctx.resources)) {
      report(ctx, at, `DependsOn names ${target}, which is not a resource`);
    }
  }
}

function checkOutputs(ctx: CheckContext, outputs: unknown): void {
  if (outputs === undefined) return;
  if (!isObject(outputs)) {
    report(ctx, 'Outputs', `Outputs is an object, got ${kindOf(outputs)}`);
    return;
  }
  for (const [name, output] of Object.entries(outputs)) {
    const path = `Outputs.${name}`;
    if (!isObject(output) || output.Value === undefined) {
      report(ctx, path, 'an output is an object with a Value');
      continue;
    }
    for (const key of Object.keys(output)) {
      if (!OUTPUT_KEYS.has(key)) report(ctx, `${path}.${key}`, 'unknown output attribute');
    }
    if (output.Condition !== undefined) checkConditionName(ctx, `${path}.Condition`, output.Condition);
    checkReferences(ctx, path, output);
  }
}
