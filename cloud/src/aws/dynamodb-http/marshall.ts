/**
 * Plain values ↔ DynamoDB's AttributeValue JSON, as `@aws-sdk/lib-dynamodb` converts them with
 * `removeUndefinedValues: true` (what the store used): string S, number N, boolean BOOL, null NULL,
 * Uint8Array B, Set of strings SS, of numbers NS, of Uint8Arrays BS, array L, plain object M (undefined
 * members left out). Numbers come back as JavaScript numbers: the store keeps none past 2^53.
 */

/** DynamoDB's wire form of one value. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: AttributeValue[] }
  | { M: AttributeMap };

/** An item, key or ExpressionAttributeValues in wire form. */
export type AttributeMap = Record<string, AttributeValue>;

/** An item as the store handles it. */
export type Item = Record<string, unknown>;

/** A value that cannot be stored (a function, NaN, an empty set…); the message says which and where. */
export class MarshallError extends TypeError {
  override name = 'MarshallError';
}

/** One value to its AttributeValue. */
export function marshallValue(value: unknown, where = 'value'): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new MarshallError(`${where} is ${value}: DynamoDB stores finite numbers only`);
    return { N: String(value) };
  }
  if (typeof value === 'bigint') return { N: value.toString() };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof Uint8Array) return { B: Buffer.from(value).toString('base64') };
  if (value instanceof Set) return marshallSet(value, where);
  if (Array.isArray(value)) return { L: value.map((member, i) => marshallValue(member, `${where}[${i}]`)) };
  if (typeof value === 'object') return { M: marshallItem(value as Item, where) };
  throw new MarshallError(`${where} is a ${typeof value}, which DynamoDB cannot store`);
}

function marshallSet(set: Set<unknown>, where: string): AttributeValue {
  const members = [...set];
  if (members.length === 0) throw new MarshallError(`${where} is an empty set, which DynamoDB cannot store`);
  if (members.every((member) => typeof member === 'string')) return { SS: members as string[] };
  if (members.every((member) => typeof member === 'number' || typeof member === 'bigint'))
    return { NS: members.map(String) };
  if (members.every((member) => member instanceof Uint8Array))
    return { BS: members.map((member) => Buffer.from(member as Uint8Array).toString('base64')) };
  throw new MarshallError(
    `${where} is a set of mixed types; DynamoDB sets hold strings, numbers or binaries`,
  );
}

/** An object's members to an AttributeMap, leaving undefined ones out. */
export function marshallItem(item: Item, where = 'item'): AttributeMap {
  const map: AttributeMap = {};
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) map[name] = marshallValue(value, `${where}.${name}`);
  }
  return map;
}

/** One AttributeValue back to a plain value. */
export function unmarshallValue(value: AttributeValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('B' in value) return new Uint8Array(Buffer.from(value.B, 'base64'));
  if ('SS' in value) return new Set(value.SS);
  if ('NS' in value) return new Set(value.NS.map(Number));
  if ('BS' in value) return new Set(value.BS.map((b) => new Uint8Array(Buffer.from(b, 'base64'))));
  if ('L' in value) return value.L.map(unmarshallValue);
  if ('M' in value) return unmarshallItem(value.M);
  throw new MarshallError(`unknown AttributeValue ${JSON.stringify(value)}`);
}

/** An AttributeMap back to a plain object. */
export function unmarshallItem(map: AttributeMap): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(map)) item[name] = unmarshallValue(value);
  return item;
}
