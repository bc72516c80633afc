import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

/**
 * Checks a whole CloudFormation template against AWS's own resource schemas (the CloudFormation registry, as
 * packaged by `@aws-cdk/aws-service-spec`), offline, so that a template `sls deploy` would have rejected
 * fails in `npm test` first. Generic: it knows no resource of ours, only the schemas.
 *
 * What it checks:
 * - the template's top-level sections, and each resource's attributes (Type, Properties, DependsOn, …);
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
 * and `sls package` writes some numbers as strings). Values of type `json` (IAM policy documents) are free
 * form: only the references inside them are checked.
 */

/** One thing wrong in a template: where (a dotted path) and what. */
export interface TemplateProblem {
  path: string;
  problem: string;
}

/** What one check found and how much it looked at. */
export interface TemplateCheck {
  problems: TemplateProblem[];
  /** Resources checked. */
  resources: number;
  /** Property values checked against a schema type, nested ones included. */
  properties: number;
  /** `Ref`s (and `${Name}` in `Fn::Sub`) whose target was checked. */
  refs: number;
  /** `Fn::GetAtt`s (and `${Name.Attribute}` in `Fn::Sub`) whose resource and attribute were checked. */
  getAtts: number;
}

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

const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'];
const OUTPUT_KEYS = new Set(['Description', 'Value', 'Export', 'Condition']);
const CUSTOM_RESOURCE_TYPE = 'AWS::CloudFormation::CustomResource';

/** What an intrinsic function evaluates to, as far as fitting it to a property's type goes. */
type Shape = 'scalar' | 'list' | 'object' | 'any';

/** The intrinsic functions CloudFormation knows, with the shape of their result ('if' depends on its branches). */
const INTRINSIC_RESULTS: Record<string, Shape | 'if'> = {
  Ref: 'scalar', // refined in intrinsicShape: list parameters and AWS::NotificationARNs give lists
  'Fn::GetAtt': 'any', // refined in intrinsicShape from the attribute's own type
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

let loading: Promise<SpecDatabase> | undefined;

/** AWS's resource schemas, loaded once per process (about 1.5 s and 190 MB: share it). */
export function loadCfnSpec(): Promise<SpecDatabase> {
  loading ??= loadAwsServiceSpec();
  return loading;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const kindOf = (value: unknown): string =>
  Array.isArray(value)
    ? 'a list'
    : value === null
      ? 'null'
      : isObject(value)
        ? 'an object'
        : `a ${typeof value}`;

/** The intrinsic function name if `value` is a call of one (an object with a single `Ref` or `Fn::` key). */
function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return undefined;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

/** Checks `template` against `spec`; never throws for a malformed template, it reports it. */
export function checkTemplate(template: unknown, spec: SpecDatabase): TemplateCheck {
  return new TemplateChecker(spec).check(template);
}

class TemplateChecker {
  private readonly problems: TemplateProblem[] = [];
  private properties = 0;
  private refs = 0;
  private getAtts = 0;
  private resources: Json = {};
  private parameters: Json = {};
  private conditions: Json = {};

  constructor(private readonly spec: SpecDatabase) {}

  check(template: unknown): TemplateCheck {
    if (!isObject(template)) {
      this.report('', `a template is an object, got ${kindOf(template)}`);
      return this.result(0);
    }
    for (const key of Object.keys(template)) {
      if (!TOP_LEVEL_SECTIONS.has(key)) this.report(key, 'unknown top-level section');
    }
    if (!isObject(template.Resources) || Object.keys(template.Resources).length === 0) {
      this.report('Resources', 'a template needs at least one resource');
      return this.result(0);
    }
    this.resources = template.Resources;
    this.parameters = isObject(template.Parameters) ? template.Parameters : {};
    this.conditions = isObject(template.Conditions) ? template.Conditions : {};
    for (const [logicalId, resource] of Object.entries(this.resources)) {
      this.checkResource(`Resources.${logicalId}`, resource);
    }
    this.checkOutputs(template.Outputs);
    this.checkReferences('Conditions', this.conditions);
    return this.result(Object.keys(this.resources).length);
  }

  private result(resources: number): TemplateCheck {
    return {
      problems: this.problems,
      resources,
      properties: this.properties,
      refs: this.refs,
      getAtts: this.getAtts,
    };
  }

  private report(path: string, problem: string): void {
    this.problems.push({ path, problem });
  }

  private resourceSpec(type: string): Resource | undefined {
    const found = this.spec.lookup('resource', 'cloudFormationType', 'equals', type);
    return found.length === 1 ? found[0] : undefined;
  }

  private checkResource(path: string, resource: unknown): void {
    if (!isObject(resource)) {
      this.report(path, `a resource is an object, got ${kindOf(resource)}`);
      return;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(key)) this.report(`${path}.${key}`, 'unknown resource attribute');
    }
    this.checkDependsOn(`${path}.DependsOn`, resource.DependsOn);
    if (resource.Condition !== undefined) this.checkConditionName(`${path}.Condition`, resource.Condition);
    this.checkLiteralChoice(`${path}.DeletionPolicy`, resource.DeletionPolicy, DELETION_POLICIES);
    this.checkLiteralChoice(
      `${path}.UpdateReplacePolicy`,
      resource.UpdateReplacePolicy,
      UPDATE_REPLACE_POLICIES,
    );
    const { Type: type, Properties: properties = {} } = resource;
    if (!isObject(properties)) {
      this.report(`${path}.Properties`, `Properties is an object, got ${kindOf(properties)}`);
      return;
    }
    this.checkReferences(`${path}.Properties`, properties);
    if (typeof type !== 'string') {
      this.report(`${path}.Type`, 'every resource needs a Type (a string)');
      return;
    }
    const custom = type.startsWith('Custom::');
    const schema = this.resourceSpec(custom ? CUSTOM_RESOURCE_TYPE : type);
    if (schema === undefined) {
      this.report(`${path}.Type`, `unknown resource type ${type}`);
      return;
    }
    if (custom || type === CUSTOM_RESOURCE_TYPE) {
      // A custom resource's properties are its provider's business; only the ServiceToken is CloudFormation's.
      if (properties.ServiceToken === undefined)
        this.report(`${path}.Properties`, 'missing required ServiceToken');
      return;
    }
    this.checkObject(`${path}.Properties`, properties, schema.properties, type);
  }

  private checkLiteralChoice(path: string, value: unknown, allowed: string[]): void {
    if (value === undefined || intrinsicName(value) !== undefined) return;
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.report(path, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
    }
  }

  private checkDependsOn(path: string, dependsOn: unknown): void {
    if (dependsOn === undefined) return;
    const targets = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
    targets.forEach((target, index) => {
      const at = Array.isArray(dependsOn) ? `${path}[${index}]` : path;
      if (typeof target !== 'string')
        this.report(at, `DependsOn names resources (strings), got ${kindOf(target)}`);
      else if (!(target in this.resources))
        this.report(at, `DependsOn names ${target}, which is not a resource`);
    });
  }

  private checkConditionName(path: string, name: unknown): void {
    if (typeof name !== 'string' || !(name in this.conditions)) {
      this.report(path, `names condition ${JSON.stringify(name)}, which is not in Conditions`);
    }
  }

  private checkOutputs(outputs: unknown): void {
    if (outputs === undefined) return;
    if (!isObject(outputs)) {
      this.report('Outputs', `Outputs is an object, got ${kindOf(outputs)}`);
      return;
    }
    for (const [name, output] of Object.entries(outputs)) {
      const path = `Outputs.${name}`;
      if (!isObject(output) || output.Value === undefined) {
        this.report(path, 'an output is an object with a Value');
        continue;
      }
      for (const key of Object.keys(output)) {
        if (!OUTPUT_KEYS.has(key)) this.report(`${path}.${key}`, 'unknown output attribute');
      }
      if (output.Condition !== undefined) this.checkConditionName(`${path}.Condition`, output.Condition);
      this.checkReferences(path, output);
    }
  }

  // ---- properties against their schema types ----

  /** Checks an object of properties: each known, each of its type, the required ones present. */
  private checkObject(
    path: string,
    value: Json,
    schema: Record<string, { required?: boolean; type: PropertyType; previousTypes?: PropertyType[] }>,
    owner: string,
  ): void {
    for (const [name, property] of Object.entries(value)) {
      const propertySchema = schema[name];
      if (propertySchema === undefined) {
        this.report(`${path}.${name}`, `unknown property of ${owner}`);
        continue;
      }
      this.properties++;
      this.checkAgainstAny(`${path}.${name}`, property, [
        propertySchema.type,
        ...(propertySchema.previousTypes ?? []),
      ]);
    }
    for (const [name, propertySchema] of Object.entries(schema)) {
      if (propertySchema.required && !(name in value))
        this.report(path, `missing required property ${name} of ${owner}`);
    }
  }

  /** The value fits one of the types (a union, or a property's current and previous types). */
  private checkAgainstAny(path: string, value: unknown, types: PropertyType[]): void {
    const alternatives = flattenUnions(types);
    const [only] = alternatives;
    if (alternatives.length === 1 && only !== undefined) {
      this.checkValue(path, value, only);
      return;
    }
    const attempts = alternatives.map((type) => this.problemsAgainst(path, value, type));
    const fitting = attempts.filter((attempt) => attempt.problems.length === 0);
    if (fitting.length > 0) {
      this.properties += Math.min(...fitting.map((attempt) => attempt.properties));
      return;
    }
    // The value's own shape fits no alternative: say what was expected.
    const shapeFits = attempts.filter((attempt) =>
      attempt.problems.every((problem) => problem.path !== path),
    );
    if (shapeFits.length === 0) {
      const expected = alternatives.map((type) => this.typeName(type)).join(' or ');
      this.report(path, `expected ${expected}, got ${kindOf(value)}`);
      return;
    }
    // Else report the alternative whose shape fits and that got furthest (the fewest problems inside).
    const closest = shapeFits.reduce((best, attempt) =>
      attempt.problems.length < best.problems.length ? attempt : best,
    );
    this.problems.push(...closest.problems);
    this.properties += closest.properties;
  }

  /** Checks `value` against `type` in isolation, returning what it would report. */
  private problemsAgainst(
    path: string,
    value: unknown,
    type: PropertyType,
  ): { problems: TemplateProblem[]; properties: number } {
    const sub = new TemplateChecker(this.spec);
    sub.resources = this.resources;
    sub.parameters = this.parameters;
    sub.conditions = this.conditions;
    sub.checkValue(path, value, type);
    return { problems: sub.problems, properties: sub.properties };
  }

  private checkValue(path: string, value: unknown, type: PropertyType): void {
    const intrinsic = intrinsicName(value);
    if (intrinsic !== undefined) {
      this.checkIntrinsicFits(path, value as Json, intrinsic, type);
      return;
    }
    switch (type.type) {
      case 'json':
        // A free-form JSON object (an IAM policy document, a state machine definition).
        if (!isObject(value)) this.report(path, `expected a JSON object, got ${kindOf(value)}`);
        return;
      case 'string':
      case 'date-time':
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          this.report(path, `expected a string, got ${kindOf(value)}`);
        } else if (
          type.type === 'string' &&
          type.allowedValues &&
          !type.allowedValues.includes(String(value))
        ) {
          this.report(path, `must be one of ${type.allowedValues.join(', ')}; got ${JSON.stringify(value)}`);
        }
        return;
      case 'integer':
      case 'number': {
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (
          typeof number !== 'number' ||
          Number.isNaN(number) ||
          (type.type === 'integer' && !Number.isInteger(number))
        ) {
          this.report(
            path,
            `expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`,
          );
        } else if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(number)) {
          this.report(path, `must be one of ${type.allowedValues.join(', ')}; got ${JSON.stringify(value)}`);
        }
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean' && !(typeof value === 'string' && /^(true|false)$/i.test(value))) {
          this.report(path, `expected a boolean, got ${JSON.stringify(value)}`);
        }
        return;
      case 'null':
        if (value !== null) this.report(path, `expected null, got ${kindOf(value)}`);
        return;
      case 'tag':
        this.checkTag(path, value);
        return;
      case 'array':
        if (!Array.isArray(value)) {
          this.report(path, `expected a list, got ${kindOf(value)}`);
          return;
        }
        value.forEach((element, index) => {
          this.properties++;
          this.checkValue(`${path}[${index}]`, element, type.element);
        });
        return;
      case 'map':
        if (!isObject(value)) {
          this.report(path, `expected an object (a map), got ${kindOf(value)}`);
          return;
        }
        for (const [key, element] of Object.entries(value)) {
          this.properties++;
          this.checkValue(`${path}.${key}`, element, type.element);
        }
        return;
      case 'ref': {
        if (!isObject(value)) {
          this.report(path, `expected an object (${this.typeName(type)}), got ${kindOf(value)}`);
          return;
        }
        const definition: TypeDefinition = this.spec.get('typeDefinition', type.reference);
        this.checkObject(path, value, definition.properties, definition.name);
        return;
      }
      case 'union':
        this.checkAgainstAny(path, value, type.types);
        return;
    }
  }

  private checkTag(path: string, value: unknown): void {
    if (!isObject(value)) {
      this.report(path, `expected a tag ({Key, Value}), got ${kindOf(value)}`);
      return;
    }
    for (const key of Object.keys(value)) {
      if (key !== 'Key' && key !== 'Value') this.report(`${path}.${key}`, 'a tag has only Key and Value');
    }
    for (const key of ['Key', 'Value']) {
      if (!(key in value)) this.report(path, `missing required property ${key} of a tag`);
      else this.checkValue(`${path}.${key}`, value[key], { type: 'string' });
    }
  }

  private typeName(type: PropertyType): string {
    switch (type.type) {
      case 'ref':
        return this.spec.get('typeDefinition', type.reference).name;
      case 'array':
        return `a list of ${this.typeName(type.element)}`;
      case 'map':
        return `a map of ${this.typeName(type.element)}`;
      case 'union':
        return type.types.map((each) => this.typeName(each)).join(' or ');
      case 'json':
        return 'a JSON object';
      default:
        return type.type;
    }
  }

  /** An intrinsic function in a property: its result must have the shape the property's type needs. */
  private checkIntrinsicFits(path: string, call: Json, name: string, type: PropertyType): void {
    if (INTRINSIC_RESULTS[name] === 'if') {
      const args = call[name];
      if (Array.isArray(args) && args.length === 3) {
        // Either branch may be chosen; AWS::NoValue removes the property.
        this.checkValue(`${path}.${name}[1]`, args[1], type);
        this.checkValue(`${path}.${name}[2]`, args[2], type);
      }
      return;
    }
    if (name === 'Ref' && call.Ref === 'AWS::NoValue') return;
    const produced = this.intrinsicShape(call, name);
    const expected = shapeOf(type);
    if (produced === 'any' || expected === 'any' || produced === expected) return;
    // A list-typed attribute or parameter (GetAtt, Ref) stands where a list's element belongs only as a list.
    this.report(path, `${name} gives ${shapeWords[produced]} here, but ${this.typeName(type)} is expected`);
  }

  private intrinsicShape(call: Json, name: string): Shape {
    if (name === 'Ref') {
      const target = call.Ref;
      if (target === 'AWS::NotificationARNs') return 'list';
      const parameter = typeof target === 'string' ? this.parameters[target] : undefined;
      const parameterType = isObject(parameter) ? parameter.Type : undefined;
      if (
        typeof parameterType === 'string' &&
        (parameterType.startsWith('List<') || parameterType === 'CommaDelimitedList')
      ) {
        return 'list';
      }
      return 'scalar';
    }
    if (name === 'Fn::GetAtt') {
      const attribute = this.getAttTarget(call['Fn::GetAtt']);
      return attribute?.type === undefined ? 'any' : shapeOf(attribute.type);
    }
    const result = INTRINSIC_RESULTS[name];
    return result === undefined || result === 'if' ? 'any' : result;
  }

  // ---- references: Ref, Fn::GetAtt, Fn::Sub, conditions ----

  /** Walks any value (json-typed ones included) and checks every intrinsic function's targets. */
  private checkReferences(path: string, value: unknown): void {
    if (Array.isArray(value)) {
      for (const [index, element] of value.entries()) this.checkReferences(`${path}[${index}]`, element);
      return;
    }
    if (!isObject(value)) return;
    const name = intrinsicName(value);
    if (name === undefined) {
      if (path.startsWith('Conditions') && Object.keys(value).length === 1 && 'Condition' in value) {
        this.checkConditionName(`${path}.Condition`, value.Condition);
      }
      for (const [key, element] of Object.entries(value)) this.checkReferences(`${path}.${key}`, element);
      return;
    }
    const args = value[name];
    const at = `${path}.${name}`;
    if (!(name in INTRINSIC_RESULTS)) {
      this.report(path, `unknown intrinsic function ${name}`);
    } else if (name === 'Ref') {
      this.checkRef(at, args);
    } else if (name === 'Fn::GetAtt') {
      this.checkGetAtt(at, args);
    } else if (name === 'Fn::Sub') {
      this.checkSub(at, args);
    } else if (name === 'Fn::If') {
      if (!Array.isArray(args) || args.length !== 3)
        this.report(at, 'Fn::If takes [condition, value if true, value if false]');
      else this.checkConditionName(`${at}[0]`, args[0]);
    } else if (name === 'Fn::Join') {
      if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
        this.report(at, 'Fn::Join takes [delimiter (a string), list of values]');
      }
    }
    this.checkReferences(at, args);
  }

  private checkRef(path: string, target: unknown): void {
    this.refs++;
    if (typeof target !== 'string') {
      this.report(path, `Ref takes the name of a resource or parameter (a string), got ${kindOf(target)}`);
    } else if (
      !(target in this.resources) &&
      !(target in this.parameters) &&
      !PSEUDO_PARAMETERS.includes(target)
    ) {
      this.report(path, `Ref to ${target}, which is neither a resource, a parameter nor a pseudo-parameter`);
    }
  }

  /** The resource and attribute a GetAtt names, or undefined when it cannot be known statically. */
  private getAttTarget(
    args: unknown,
  ): { logicalId: string; attribute: string; type?: PropertyType } | undefined {
    let logicalId: unknown;
    let attribute: unknown;
    if (typeof args === 'string') {
      const dot = args.indexOf('.');
      [logicalId, attribute] = dot < 0 ? [args, undefined] : [args.slice(0, dot), args.slice(dot + 1)];
    } else if (Array.isArray(args) && args.length === 2) {
      [logicalId, attribute] = args;
    }
    if (typeof logicalId !== 'string' || typeof attribute !== 'string') return undefined;
    const resource = this.resources[logicalId];
    const type = isObject(resource) && typeof resource.Type === 'string' ? resource.Type : undefined;
    const schema = type === undefined ? undefined : this.resourceSpec(type);
    const found = schema?.attributes[attribute];
    return found === undefined ? { logicalId, attribute } : { logicalId, attribute, type: found.type };
  }

  private checkGetAtt(path: string, args: unknown): void {
    this.getAtts++;
    const wellFormed =
      (typeof args === 'string' && args.includes('.')) ||
      (Array.isArray(args) &&
        args.length === 2 &&
        typeof args[0] === 'string' &&
        (typeof args[1] === 'string' || intrinsicName(args[1]) !== undefined));
    if (!wellFormed) {
      this.report(path, 'Fn::GetAtt takes [logical id, attribute] or "LogicalId.Attribute"');
      return;
    }
    const [logicalId, attribute] =
      typeof args === 'string'
        ? [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)]
        : (args as [string, unknown]);
    this.checkAttribute(path, logicalId, attribute);
  }

  private checkAttribute(path: string, logicalId: string, attribute: unknown): void {
    const resource = this.resources[logicalId];
    if (!isObject(resource)) {
      this.report(path, `Fn::GetAtt on ${logicalId}, which is not a resource`);
      return;
    }
    // An attribute named by a parameter cannot be known before deployment.
    if (typeof attribute !== 'string') return;
    const type = resource.Type;
    if (typeof type !== 'string' || type.startsWith('Custom::') || type === CUSTOM_RESOURCE_TYPE) return;
    const schema = this.resourceSpec(type);
    if (schema === undefined) return; // reported as an unknown type already
    if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
    if (!(attribute in schema.attributes)) {
      const known = Object.keys(schema.attributes);
      this.report(
        path,
        `${type} ${logicalId} has no attribute ${attribute}` +
          (known.length === 0 ? ' (it has none)' : `; it has ${known.join(', ')}`),
      );
    }
  }

  private checkSub(path: string, args: unknown): void {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    if (typeof text !== 'string' || !isObject(variables) || (Array.isArray(args) && args.length !== 2)) {
      this.report(path, 'Fn::Sub takes a string or [string, {variables}]');
      return;
    }
    for (const [, name] of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
      if (name === undefined || name in variables) continue;
      const trimmed = name.trim();
      const dot = trimmed.indexOf('.');
      if (dot > 0 && !trimmed.startsWith('AWS::')) {
        this.getAtts++;
        this.checkAttribute(path, trimmed.slice(0, dot), trimmed.slice(dot + 1));
      } else {
        this.checkRef(path, trimmed);
      }
    }
  }
}

const shapeWords: Record<Shape, string> = {
  scalar: 'a single value',
  list: 'a list',
  object: 'an object',
  any: 'anything',
};

/** The alternatives of a union (or a property's current and previous types), each once. */
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
