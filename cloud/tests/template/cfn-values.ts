import type { Property, PropertyType } from '@aws-cdk/service-spec-types';
import {
  type CheckContext,
  INTRINSIC_RESULTS,
  intrinsicName,
  isObject,
  type Json,
  kindOf,
  newContext,
  report,
  type Shape,
} from './cfn-context.js';
import { getAttType } from './cfn-references.js';

/**
 * Property values against their schema types: known properties only, required ones present, each value of
 * its type down through nested property types, lists, maps, unions and tags. Scalars are compared as
 * CloudFormation accepts them (a number for a string, a numeric string for a number, "true" for a boolean).
 * An intrinsic function stands for a value of the shape it returns (Fn::Join a string, Fn::Split a list, a
 * GetAtt its attribute's type): that shape must fit.
 */

/** Checks an object of properties against a resource's or a property type's schema. */
export function checkObject(
  ctx: CheckContext,
  path: string,
  value: Json,
  schema: Record<string, Property>,
  owner: string,
): void {
  for (const [name, property] of Object.entries(value)) {
    const propertySchema = schema[name];
    if (propertySchema === undefined) {
      report(ctx, `${path}.${name}`, `unknown property of ${owner}`);
      continue;
    }
    ctx.counts.properties++;
    // CloudFormation still accepts a property's previous types.
    checkAgainstAny(ctx, `${path}.${name}`, property, [
      propertySchema.type,
      ...(propertySchema.previousTypes ?? []),
    ]);
  }
  for (const [name, propertySchema] of Object.entries(schema)) {
    if (propertySchema.required && !(name in value)) {
      report(ctx, path, `missing required property ${name} of ${owner}`);
    }
  }
}

/** The value fits one of the types (a union's, or a property's current and previous ones). */
function checkAgainstAny(ctx: CheckContext, path: string, value: unknown, types: PropertyType[]): void {
  const alternatives = flattenUnions(types);
  const [only] = alternatives;
  if (alternatives.length === 1 && only !== undefined) {
    checkValue(ctx, path, value, only);
    return;
  }
  const attempts = alternatives.map((type) => {
    const attempt = newContext(ctx.spec, ctx);
    checkValue(attempt, path, value, type);
    return attempt;
  });
  const fitting = attempts.filter((attempt) => attempt.problems.length === 0);
  if (fitting.length > 0) {
    ctx.counts.properties += Math.min(...fitting.map((attempt) => attempt.counts.properties));
    return;
  }
  // The value's own shape fits no alternative: say what was expected.
  const shapeFits = attempts.filter((attempt) => attempt.problems.every((problem) => problem.path !== path));
  if (shapeFits.length === 0) {
    const expected = alternatives.map((type) => typeName(ctx, type)).join(' or ');
    report(ctx, path, `expected ${expected}, got ${kindOf(value)}`);
    return;
  }
  // Else the alternative whose shape fits and that got furthest (the fewest problems inside).
  const closest = shapeFits.reduce((best, attempt) =>
    attempt.problems.length < best.problems.length ? attempt : best,
  );
  ctx.problems.push(...closest.problems);
  ctx.counts.properties += closest.counts.properties;
}

function checkValue(ctx: CheckContext, path: string, value: unknown, type: PropertyType): void {
  const intrinsic = intrinsicName(value);
  if (intrinsic !== undefined) {
    checkIntrinsicFits(ctx, path, value as Json, intrinsic, type);
    return;
  }
  switch (type.type) {
    case 'json':
      // A free-form JSON object (an IAM policy document, a state machine definition).
      if (!isObject(value)) report(ctx, path, `expected a JSON object, got ${kindOf(value)}`);
      return;
    case 'string':
    case 'date-time':
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        report(ctx, path, `expected a string, got ${kindOf(value)}`);
      } else if (
        type.type === 'string' &&
        type.allowedValues &&
        !type.allowedValues.includes(String(value))
      ) {
        report(ctx, path, `must be one of ${type.allowedValues.join(', ')}; got ${JSON.stringify(value)}`);
      }
      return;
    case 'integer':
    case 'number':
      checkNumber(
        ctx,
        path,
        value,
        type.type === 'integer',
        type.type === 'integer' ? type.allowedValues : undefined,
      );
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && !(typeof value === 'string' && /^(true|false)$/i.test(value))) {
        report(ctx, path, `expected a boolean, got ${JSON.stringify(value)}`);
      }
      return;
    case 'null':
      if (value !== null) report(ctx, path, `expected null, got ${kindOf(value)}`);
      return;
    case 'tag':
      checkTag(ctx, path, value);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        report(ctx, path, `expected a list, got ${kindOf(value)}`);
        return;
      }
      for (const [index, element] of value.entries()) {
        ctx.counts.properties++;
        checkValue(ctx, `${path}[${index}]`, element, type.element);
      }
      return;
    case 'map':
      if (!isObject(value)) {
        report(ctx, path, `expected an object (a map), got ${kindOf(value)}`);
        return;
      }
      for (const [key, element] of Object.entries(value)) {
        ctx.counts.properties++;
        checkValue(ctx, `${path}.${key}`, element, type.element);
      }
      return;
    case 'ref': {
      if (!isObject(value)) {
        report(ctx, path, `expected an object (${typeName(ctx, type)}), got ${kindOf(value)}`);
        return;
      }
      const definition = ctx.spec.get('typeDefinition', type.reference);
      checkObject(ctx, path, value, definition.properties, definition.name);
      return;
    }
    case 'union':
      checkAgainstAny(ctx, path, value, type.types);
      return;
  }
}

function checkNumber(
  ctx: CheckContext,
  path: string,
  value: unknown,
  integer: boolean,
  allowedValues: number[] | undefined,
): void {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number) || (integer && !Number.isInteger(number))) {
    report(ctx, path, `expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
  } else if (allowedValues && !allowedValues.includes(number)) {
    report(ctx, path, `must be one of ${allowedValues.join(', ')}; got ${JSON.stringify(value)}`);
  }
}

function checkTag(ctx: CheckContext, path: string, value: unknown): void {
  if (!isObject(value)) {
    report(ctx, path, `expected a tag ({Key, Value}), got ${kindOf(value)}`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'Key' && key !== 'Value') report(ctx, `${path}.${key}`, 'a tag has only Key and Value');
  }
  for (const key of ['Key', 'Value']) {
    if (!(key in value)) report(ctx, path, `missing required property ${key} of a tag`);
    else checkValue(ctx, `${path}.${key}`, value[key], { type: 'string' });
  }
}

/** A type's name for messages: a property type's own name, "a list of …", "string". */
function typeName(ctx: CheckContext, type: PropertyType): string {
  switch (type.type) {
    case 'ref':
      return ctx.spec.get('typeDefinition', type.reference).name;
    case 'array':
      return `a list of ${typeName(ctx, type.element)}`;
    case 'map':
      return `a map of ${typeName(ctx, type.element)}`;
    case 'union':
      return type.types.map((each) => typeName(ctx, each)).join(' or ');
    case 'json':
      return 'a JSON object';
    default:
      return type.type;
  }
}

const SHAPE_WORDS: Record<Shape, string> = {
  scalar: 'a single value',
  list: 'a list',
  object: 'an object',
  any: 'anything',
};

/** An intrinsic function in a property: its result must have the shape the property's type needs. */
function checkIntrinsicFits(
  ctx: CheckContext,
  path: string,
  call: Json,
  name: string,
  type: PropertyType,
): void {
  if (INTRINSIC_RESULTS[name] === 'if') {
    const args = call[name];
    if (Array.isArray(args) && args.length === 3) {
      // Either branch may be chosen.
      checkValue(ctx, `${path}.${name}[1]`, args[1], type);
      checkValue(ctx, `${path}.${name}[2]`, args[2], type);
    }
    return;
  }
  if (name === 'Ref' && call.Ref === 'AWS::NoValue') return; // removes the property
  const produced = intrinsicShape(ctx, call, name);
  const expected = shapeOf(type);
  if (produced === 'any' || expected === 'any' || produced === expected) return;
  report(ctx, path, `${name} gives ${SHAPE_WORDS[produced]} here, but ${typeName(ctx, type)} is expected`);
}

function intrinsicShape(ctx: CheckContext, call: Json, name: string): Shape {
  if (name === 'Ref') {
    const target = call.Ref;
    if (target === 'AWS::NotificationARNs') return 'list';
    const parameter = typeof target === 'string' ? ctx.parameters[target] : undefined;
    const parameterType = isObject(parameter) ? parameter.Type : undefined;
    const list =
      typeof parameterType === 'string' &&
      (parameterType.startsWith('List<') || parameterType === 'CommaDelimitedList');
    return list ? 'list' : 'scalar';
  }
  if (name === 'Fn::GetAtt') {
    const attributeType = getAttType(ctx, call['Fn::GetAtt']);
    return attributeType === undefined ? 'any' : shapeOf(attributeType);
  }
  const result = INTRINSIC_RESULTS[name];
  return result === undefined || result === 'if' ? 'any' : result;
}

/** The alternatives of a union (or of a property's current and previous types), each once. */
function flattenUnions(types: PropertyType[]): PropertyType[] {
  const flat = types.flatMap((type) => (type.type === 'union' ? flattenUnions(type.types) : [type]));
  const seen = new Set<string>();
  return flat.filter((type) => {
    const key = JSON.stringify(type);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The shape a property type needs. */
function shapeOf(type: PropertyType): Shape {
  switch (type.type) {
    case 'array':
      return 'list';
    case 'ref':
    case 'map':
    case 'tag':
      return 'object';
    case 'json':
    case 'union':
      return 'any';
    default:
      return 'scalar';
  }
}
