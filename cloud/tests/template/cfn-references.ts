import type { PropertyType } from '@aws-cdk/service-spec-types';
import {
  type CheckContext,
  CUSTOM_RESOURCE_TYPE,
  INTRINSIC_RESULTS,
  intrinsicName,
  isObject,
  kindOf,
  PSEUDO_PARAMETERS,
  report,
  resourceSpec,
} from './cfn-context.js';

/**
 * The references of a template: every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable and condition name must name
 * something that exists (a resource, a parameter, a pseudo-parameter, an attribute the resource's type has, a
 * condition). Checked everywhere, free-form JSON values (IAM policy documents) included.
 */

/** Walks any value and checks the targets of every intrinsic function in it. */
export function checkReferences(ctx: CheckContext, path: string, value: unknown): void {
  if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) checkReferences(ctx, `${path}[${index}]`, element);
    return;
  }
  if (!isObject(value)) return;
  const name = intrinsicName(value);
  if (name === undefined) {
    if (path.startsWith('Conditions') && Object.keys(value).length === 1 && 'Condition' in value) {
      checkConditionName(ctx, `${path}.Condition`, value.Condition);
    }
    for (const [key, element] of Object.entries(value)) checkReferences(ctx, `${path}.${key}`, element);
    return;
  }
  const args = value[name];
  const at = `${path}.${name}`;
  if (!(name in INTRINSIC_RESULTS)) {
    report(ctx, path, `unknown intrinsic function ${name}`);
  } else if (name === 'Ref') {
    checkRef(ctx, at, args);
  } else if (name === 'Fn::GetAtt') {
    checkGetAtt(ctx, at, args);
  } else if (name === 'Fn::Sub') {
    checkSub(ctx, at, args);
  } else if (name === 'Fn::If') {
    if (!Array.isArray(args) || args.length !== 3) {
      report(ctx, at, 'Fn::If takes [condition, value if true, value if false]');
    } else {
      checkConditionName(ctx, `${at}[0]`, args[0]);
    }
  } else if (
    name === 'Fn::Join' &&
    (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string')
  ) {
    report(ctx, at, 'Fn::Join takes [delimiter (a string), list of values]');
  }
  checkReferences(ctx, at, args);
}

/** A condition name (a resource's or output's Condition, Fn::If's first argument) must be in Conditions. */
export function checkConditionName(ctx: CheckContext, path: string, name: unknown): void {
  if (typeof name !== 'string' || !(name in ctx.conditions)) {
    report(ctx, path, `names condition ${JSON.stringify(name)}, which is not in Conditions`);
  }
}

function checkRef(ctx: CheckContext, path: string, target: unknown): void {
  ctx.counts.refs++;
  if (typeof target !== 'string') {
    report(ctx, path, `Ref takes the name of a resource or parameter (a string), got ${kindOf(target)}`);
  } else if (
    !(target in ctx.resources) &&
    !(target in ctx.parameters) &&
    !PSEUDO_PARAMETERS.includes(target)
  ) {
    report(ctx, path, `Ref to ${target}, which is neither a resource, a parameter nor a pseudo-parameter`);
  }
}

/** The [logical id, attribute] of a GetAtt's argument, in either of its two forms; undefined if malformed. */
function getAttParts(args: unknown): [string, unknown] | undefined {
  if (typeof args === 'string') {
    const dot = args.indexOf('.');
    return dot > 0 ? [args.slice(0, dot), args.slice(dot + 1)] : undefined;
  }
  if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') return undefined;
  // The attribute may come from a parameter (`{"Ref": …}`), unknown before deployment.
  return typeof args[1] === 'string' || intrinsicName(args[1]) !== undefined ? [args[0], args[1]] : undefined;
}

/** The type of the attribute a GetAtt names, when the resource, its type and the attribute are all known. */
export function getAttType(ctx: CheckContext, args: unknown): PropertyType | undefined {
  const [logicalId, attribute] = getAttParts(args) ?? [];
  if (logicalId === undefined || typeof attribute !== 'string') return undefined;
  const resource = ctx.resources[logicalId];
  const type = isObject(resource) && typeof resource.Type === 'string' ? resource.Type : undefined;
  return type === undefined ? undefined : resourceSpec(ctx, type)?.attributes[attribute]?.type;
}

function checkGetAtt(ctx: CheckContext, path: string, args: unknown): void {
  ctx.counts.getAtts++;
  const parts = getAttParts(args);
  if (parts === undefined) {
    report(ctx, path, 'Fn::GetAtt takes [logical id, attribute] or "LogicalId.Attribute"');
    return;
  }
  checkAttribute(ctx, path, ...parts);
}

function checkAttribute(ctx: CheckContext, path: string, logicalId: string, attribute: unknown): void {
  const resource = ctx.resources[logicalId];
  if (!isObject(resource)) {
    report(ctx, path, `Fn::GetAtt on ${logicalId}, which is not a resource`);
    return;
  }
  if (typeof attribute !== 'string') return; // named by a parameter
  const type = resource.Type;
  if (typeof type !== 'string' || type.startsWith('Custom::') || type === CUSTOM_RESOURCE_TYPE) return;
  const schema = resourceSpec(ctx, type);
  if (schema === undefined) return; // reported as an unknown type already
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
  if (!(attribute in schema.attributes)) {
    const known = Object.keys(schema.attributes);
    const has = known.length === 0 ? ' (it has none)' : `; it has ${known.join(', ')}`;
    report(ctx, path, `${type} ${logicalId} has no attribute ${attribute}${has}`);
  }
}

/** `${Name}` is a Ref, `${Name.Attribute}` a GetAtt, `${!Literal}` nothing; the variables map defines others. */
function checkSub(ctx: CheckContext, path: string, args: unknown): void {
  const [text, variables] = Array.isArray(args) ? args : [args, {}];
  if (typeof text !== 'string' || !isObject(variables) || (Array.isArray(args) && args.length !== 2)) {
    report(ctx, path, 'Fn::Sub takes a string or [string, {variables}]');
    return;
  }
  for (const [, name] of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
    if (name === undefined || name in variables) continue;
    const trimmed = name.trim();
    const dot = trimmed.indexOf('.');
    if (dot > 0 && !trimmed.startsWith('AWS::')) {
      ctx.counts.getAtts++;
      checkAttribute(ctx, path, trimmed.slice(0, dot), trimmed.slice(dot + 1));
    } else {
      checkRef(ctx, path, trimmed);
    }
  }
}
