import { ConditionalCheckFailedException, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, NotFound, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../lib/core/context';
import { ACCESS_TABLE, GROUPS_TABLE, LOG_TABLE, PRODUCERS_TABLE, TOPICS_TABLE, type KeyAttribute, type TableDefinition } from '../../lib/store/tables';

/**
 * An in-memory double of the two storage clients Sluice uses: the DynamoDB DocumentClient
 * (`ctx.ddb.send`) for the commands lib/store sends, and the S3 client (`ctx.s3.send`) for
 * the segment bucket. It implements only what Sluice uses, as DynamoDB and S3 document it,
 * and throws `MemoryAwsUnsupported` on anything else, so it never silently answers
 * something the real services would not:
 *
 * - DynamoDB: Get, BatchGet (at most 100 distinct keys), Query (the table, the byTime local
 *   index, the byRetention global index: keys only, never strongly consistent), Scan, Put,
 *   Update, Delete, BatchWrite (at most 25 distinct items), TransactWrite (at most 100
 *   distinct items). Expressions: SET (with `+`, `-` and `if_not_exists`), REMOVE, ADD of a
 *   number; conditions with comparisons (not `<>`), BETWEEN, begins_with, attribute_exists,
 *   attribute_not_exists, AND, OR, NOT and parentheses; `#names` and `:values`, each of which
 *   must be used (DynamoDB refuses unused ones); top-level attributes only. A failed condition
 *   of a single write throws the SDK's ConditionalCheckFailedException; a cancelled
 *   transaction the SDK's TransactionCanceledException with one reason per item.
 * - Transactions take two steps, as DynamoDB's do: at the first, every condition is checked
 *   and the items are held; at the second, the writes land. A single write to a held item
 *   throws TransactionConflictException, another transaction touching one is cancelled
 *   with `TransactionConflict`, and a BatchWriteItem leaves it unprocessed; reads see the
 *   item as it was.
 * - Eventually consistent reads (`ConsistentRead` false or absent, and every global index
 *   read) may answer the state of up to `staleOps` operations ago.
 * - S3: Put, Get (with `Range`), Head, Delete, DeleteObjects, ListObjectsV2. A GET of a
 *   missing key throws the SDK's NoSuchKey, a HEAD its NotFound (status 404).
 *
 * Every call first awaits `gate(label)`: a scheduler (fast-check's, in the interleaving
 * tests) decides when each storage operation happens, so concurrent callers interleave at
 * every storage call. Then the operation applies atomically.
 */

export type Item = Record<string, unknown>;

export class MemoryAwsUnsupported extends Error {
  override name = 'MemoryAwsUnsupported';
}

/** What DynamoDB answers a request it refuses (a malformed expression, a key of the wrong type…). */
export class MemoryAwsValidationError extends Error {
  override name = 'ValidationException';
}

export interface MemoryAwsOptions {
  tables: SluiceContext['tables'];
  bucket: string;
  /** Awaited before each operation applies (and between a transaction's two steps). Default: none. */
  gate?: (label: string) => Promise<void>;
  /** Called once per operation applied (the tests advance their clock with it). */
  onOp?: () => void;
  /** The clock S3's LastModified comes from. */
  now?: () => number;
  /** Randomness for stale reads and injected faults; faults are off without it. */
  random?: () => number;
  faults?: MemoryAwsFaults;
}

export interface MemoryAwsFaults {
  /** An eventually consistent read answers the state of up to this many operations ago (0: always current). */
  staleOps?: number;
  /** Query and Scan pages end after this many items even without `Limit`, as DynamoDB's 1 MB pages do. */
  pageItems?: number;
  /** The share of keys a BatchGetItem or BatchWriteItem leaves unprocessed. */
  unprocessedRate?: number;
  /** The share of keys DeleteObjects refuses (answered in its Errors, as S3 does for a key it could not delete). */
  s3DeleteErrorRate?: number;
}

/** One write of an item, as the `onItemWrite` listeners see it. */
export interface ItemWrite {
  table: string;
  before: Item | undefined;
  after: Item | undefined;
  /** The operation counter when it landed. */
  seq: number;
}

interface Version {
  seq: number;
  item: Item | undefined;
}

interface Slot {
  key: Item;
  versions: Version[];
}

const DEFINITIONS: readonly [keyof SluiceContext['tables'], TableDefinition][] = [
  ['topics', TOPICS_TABLE],
  ['log', LOG_TABLE],
  ['producers', PRODUCERS_TABLE],
  ['groups', GROUPS_TABLE],
  ['access', ACCESS_TABLE],
];

class Table {
  /** Items by partition key value, then by sort key value (or '' for a table without one). */
  readonly partitions = new Map<string, Map<string, Slot>>();
  constructor(
    readonly name: string,
    readonly definition: TableDefinition,
  ) {}

  keyAttributes(): KeyAttribute[] {
    return this.definition.sortKey ? [this.definition.partitionKey, this.definition.sortKey] : [this.definition.partitionKey];
  }

  /** The key of `item` (exactly the key attributes, typed as the table says), and its slot id. */
  keyOf(source: Item, what: string): { key: Item; pk: string; sk: string } {
    const key: Item = {};
    for (const attribute of this.keyAttributes()) {
      const value = source[attribute.name];
      if (value === undefined) throw new MemoryAwsValidationError(`${what}: the key attribute ${attribute.name} of table ${this.name} is missing`);
      checkType(value, attribute, `${what}: key attribute ${attribute.name}`);
      key[attribute.name] = value;
    }
    return { key, pk: String(key[this.definition.partitionKey.name]), sk: this.definition.sortKey ? String(key[this.definition.sortKey.name]) : '' };
  }

  /** The exact key given as a Key parameter (no other attributes allowed). */
  exactKey(given: Item, what: string): { key: Item; pk: string; sk: string } {
    const names = this.keyAttributes().map((attribute) => attribute.name);
    for (const name of Object.keys(given)) if (!names.includes(name)) throw new MemoryAwsValidationError(`${what}: the provided key element ${name} does not match the schema of ${this.name}`);
    return this.keyOf(given, what);
  }

  slot(pk: string, sk: string): Slot | undefined {
    return this.partitions.get(pk)?.get(sk);
  }

  *slots(): Generator<Slot> {
    for (const partition of this.partitions.values()) yield* partition.values();
  }
}

function checkType(value: unknown, attribute: KeyAttribute, what: string): void {
  const ok = attribute.type === 'S' ? typeof value === 'string' && value.length > 0 : attribute.type === 'N' ? typeof value === 'number' : value instanceof Uint8Array;
  if (!ok) throw new MemoryAwsValidationError(`${what} must be of type ${attribute.type}, got ${JSON.stringify(value)}`);
}

/** DynamoDB orders strings by their UTF-8 bytes, numbers numerically. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  throw new MemoryAwsUnsupported(`cannot order ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

function sameType(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string') || (a instanceof Uint8Array && b instanceof Uint8Array);
}

/** A deep copy without `undefined` values, as the DocumentClient (removeUndefinedValues) marshals it; numbers checked. */
function cleanCopy(value: unknown, what: string): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MemoryAwsValidationError(`${what}: ${value} is not a number DynamoDB stores`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new MemoryAwsValidationError(`${what}: ${value} is past Number.MAX_SAFE_INTEGER (the SDK refuses to marshal it)`);
    return value;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof Set) return new Set([...value].map((v) => cleanCopy(v, what)));
  if (Array.isArray(value)) return value.map((v, i) => cleanCopy(v, `${what}[${i}]`) ?? null);
  if (typeof value === 'object') {
    const out: Item = {};
    for (const [k, v] of Object.entries(value as Item)) {
      const copied = cleanCopy(v, `${what}.${k}`);
      if (copied !== undefined) out[k] = copied;
    }
    return out;
  }
  throw new MemoryAwsUnsupported(`${what}: a ${typeof value} is not a DynamoDB value`);
}

function copyItem(item: Item | undefined): Item | undefined {
  return item === undefined ? undefined : (cleanCopy(item, 'item') as Item);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (a instanceof Set || b instanceof Set) return a instanceof Set && b instanceof Set && a.size === b.size && [...a].every((v) => b.has(v));
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as Item);
  const kb = Object.keys(b as Item);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Item)[k], (b as Item)[k]));
}

// ---------------------------------------------------------------------------------------------
// Expressions

type Operand =
  | { kind: 'path'; name: string }
  | { kind: 'value'; name: string }
  | { kind: 'if_not_exists'; path: string; fallback: Operand }
  | { kind: 'arith'; op: '+' | '-'; left: Operand; right: Operand };

type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'cmp'; op: '=' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand }
  | { kind: 'between'; subject: Operand; low: Operand; high: Operand }
  | { kind: 'exists' | 'not_exists'; path: string }
  | { kind: 'begins_with'; subject: Operand; prefix: Operand };

interface UpdateActions {
  set: { path: string; value: Operand }[];
  remove: string[];
  add: { path: string; value: Operand }[];
}

const TOKEN = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|<>|=|<|>|\(|\)|,|\+|-|\.|\[|\]))/y;
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE']);

interface Token {
  kind: 'name' | 'value' | 'word' | 'op';
  text: string;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < expression.length) {
    if (/^\s*$/.test(expression.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(expression);
    if (!match) throw new MemoryAwsValidationError(`Invalid expression: unexpected '${expression.slice(position, position + 10)}' in '${expression}'`);
    position = TOKEN.lastIndex;
    if (match[1]) tokens.push({ kind: 'name', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'value', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'word', text: match[3] });
    else tokens.push({ kind: 'op', text: match[4]! });
  }
  return tokens;
}

/** The names and values of one request, and which of them its expressions used. */
class ExpressionScope {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();
  constructor(
    readonly names: Record<string, string> | undefined,
    readonly values: Item | undefined,
  ) {}

  name(alias: string): string {
    const name = this.names?.[alias];
    if (name === undefined) throw new MemoryAwsValidationError(`An expression attribute name used in the document path is not defined; attribute name: ${alias}`);
    this.usedNames.add(alias);
    return name;
  }

  useValue(alias: string): void {
    if (this.values?.[alias] === undefined) throw new MemoryAwsValidationError(`An expression attribute value used in expression is not defined; attribute value: ${alias}`);
    this.usedValues.add(alias);
  }

  value(alias: string): unknown {
    return this.values![alias];
  }

  /** DynamoDB refuses names and values a request defines but none of its expressions uses. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.names ?? {}).filter((n) => !this.usedNames.has(n));
    if (unusedNames.length > 0) throw new MemoryAwsValidationError(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
    const unusedValues = Object.keys(this.values ?? {}).filter((v) => !this.usedValues.has(v));
    if (unusedValues.length > 0) throw new MemoryAwsValidationError(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
  }
}

class Parser {
  private position = 0;
  private readonly tokens: Token[];
  constructor(
    private readonly expression: string,
    private readonly scope: ExpressionScope,
  ) {
    this.tokens = tokenize(expression);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toUpperCase() === word;
  }

  private isOp(op: string): boolean {
    const token = this.peek();
    return token?.kind === 'op' && token.text === op;
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw new MemoryAwsValidationError(`Invalid expression: unexpected end of '${this.expression}'`);
    return token;
  }

  private expectOp(op: string): void {
    const token = this.next();
    if (token.kind !== 'op' || token.text !== op) throw new MemoryAwsValidationError(`Invalid expression: expected '${op}', got '${token.text}' in '${this.expression}'`);
  }

  private end(): void {
    if (this.position < this.tokens.length) throw new MemoryAwsValidationError(`Invalid expression: unexpected '${this.peek()!.text}' in '${this.expression}'`);
  }

  /** A top-level attribute: a name or a #name. Nested paths are not needed by Sluice's log paths. */
  private path(): string {
    const token = this.next();
    let name: string;
    if (token.kind === 'name') name = this.scope.name(token.text);
    else if (token.kind === 'word' && !KEYWORDS.has(token.text.toUpperCase())) name = token.text;
    else throw new MemoryAwsValidationError(`Invalid expression: expected an attribute, got '${token.text}' in '${this.expression}'`);
    if (this.isOp('.') || this.isOp('[')) throw new MemoryAwsUnsupported(`nested document paths are not implemented: '${this.expression}'`);
    return name;
  }

  private operand(): Operand {
    const token = this.peek();
    if (!token) throw new MemoryAwsValidationError(`Invalid expression: unexpected end of '${this.expression}'`);
    if (token.kind === 'value') {
      this.next();
      this.scope.useValue(token.text);
      return { kind: 'value', name: token.text };
    }
    if (token.kind === 'word' && this.tokens[this.position + 1]?.text === '(') {
      const fn = token.text;
      if (fn !== 'if_not_exists') throw new MemoryAwsUnsupported(`the function ${fn} is not implemented as an operand: '${this.expression}'`);
      this.next();
      this.expectOp('(');
      const path = this.path();
      this.expectOp(',');
      const fallback = this.operand();
      this.expectOp(')');
      return { kind: 'if_not_exists', path, fallback };
    }
    return { kind: 'path', name: this.path() };
  }

  /** An update's value: an operand, or two joined by + or -. */
  private setValue(): Operand {
    const left = this.operand();
    if (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as '+' | '-';
      const right = this.operand();
      return { kind: 'arith', op, left, right };
    }
    return left;
  }

  parseCondition(): Condition {
    const condition = this.or();
    this.end();
    checkStatic(condition, this.scope);
    return condition;
  }

  private or(): Condition {
    let left = this.and();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Condition {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', inner: this.not() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isOp('(')) {
      this.next();
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    const token = this.peek();
    if (token?.kind === 'word' && this.tokens[this.position + 1]?.text === '(') {
      const fn = token.text;
      this.next();
      this.expectOp('(');
      let condition: Condition;
      if (fn === 'attribute_exists' || fn === 'attribute_not_exists') condition = { kind: fn === 'attribute_exists' ? 'exists' : 'not_exists', path: this.path() };
      else if (fn === 'begins_with') {
        const subject = this.operand();
        this.expectOp(',');
        condition = { kind: 'begins_with', subject, prefix: this.operand() };
      } else throw new MemoryAwsUnsupported(`the function ${fn} is not implemented in conditions: '${this.expression}'`);
      this.expectOp(')');
      return condition;
    }
    const left = this.operand();
    if (this.isWord('BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isWord('AND')) throw new MemoryAwsValidationError(`Invalid expression: BETWEEN without AND in '${this.expression}'`);
      this.next();
      return { kind: 'between', subject: left, low, high: this.operand() };
    }
    if (this.isWord('IN')) throw new MemoryAwsUnsupported(`IN is not implemented: '${this.expression}'`);
    const op = this.next();
    if (op.kind !== 'op' || !['=', '<', '<=', '>', '>=', '<>'].includes(op.text)) throw new MemoryAwsValidationError(`Invalid expression: expected a comparison, got '${op.text}' in '${this.expression}'`);
    if (op.text === '<>') throw new MemoryAwsUnsupported(`<> is not implemented (Sluice does not use it): '${this.expression}'`);
    return { kind: 'cmp', op: op.text as '=' | '<' | '<=' | '>' | '>=', left, right: this.operand() };
  }

  parseUpdate(): UpdateActions {
    const actions: UpdateActions = { set: [], remove: [], add: [] };
    const seen = new Set<string>();
    while (this.peek()) {
      const clause = this.next();
      const word = clause.kind === 'word' ? clause.text.toUpperCase() : '';
      if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(word)) throw new MemoryAwsValidationError(`Invalid UpdateExpression: expected SET, REMOVE, ADD or DELETE, got '${clause.text}' in '${this.expression}'`);
      if (seen.has(word)) throw new MemoryAwsValidationError(`Invalid UpdateExpression: the ${word} section can only be used once in '${this.expression}'`);
      seen.add(word);
      if (word === 'DELETE') throw new MemoryAwsUnsupported(`DELETE (from a set) is not implemented: '${this.expression}'`);
      do {
        if (word === 'SET') {
          const path = this.path();
          this.expectOp('=');
          actions.set.push({ path, value: this.setValue() });
        } else if (word === 'REMOVE') actions.remove.push(this.path());
        else {
          const path = this.path();
          actions.add.push({ path, value: this.operand() });
        }
      } while (this.isOp(',') && this.next());
    }
    const paths = [...actions.set.map((a) => a.path), ...actions.remove, ...actions.add.map((a) => a.path)];
    const duplicate = paths.find((path, i) => paths.indexOf(path) !== i);
    if (duplicate !== undefined) throw new MemoryAwsValidationError(`Invalid UpdateExpression: Two document paths overlap with each other: [${duplicate}]`);
    if (paths.length === 0) throw new MemoryAwsValidationError(`Invalid UpdateExpression: empty '${this.expression}'`);
    return actions;
  }

  /** `ProjectionExpression`: top-level attributes separated by commas. */
  parseProjection(): string[] {
    const names: string[] = [];
    do names.push(this.path());
    while (this.isOp(',') && this.next());
    this.end();
    return names;
  }
}

function resolve(operand: Operand, item: Item | undefined, scope: ExpressionScope): unknown {
  switch (operand.kind) {
    case 'value':
      return scope.value(operand.name);
    case 'path':
      return item?.[operand.name];
    case 'if_not_exists': {
      const current = item?.[operand.path];
      return current !== undefined ? current : resolve(operand.fallback, item, scope);
    }
    case 'arith': {
      const left = resolve(operand.left, item, scope);
      const right = resolve(operand.right, item, scope);
      if (left === undefined || right === undefined) throw new MemoryAwsValidationError('The provided expression refers to an attribute that does not exist in the item');
      if (typeof left !== 'number' || typeof right !== 'number') throw new MemoryAwsValidationError('An operand in the update expression has an incorrect data type');
      return operand.op === '+' ? left + right : left - right;
    }
  }
}

/** What DynamoDB refuses before evaluating anything: a BETWEEN whose value bounds are reversed. */
function checkStatic(condition: Condition, scope: ExpressionScope): void {
  if (condition.kind === 'and' || condition.kind === 'or') {
    checkStatic(condition.left, scope);
    checkStatic(condition.right, scope);
  } else if (condition.kind === 'not') checkStatic(condition.inner, scope);
  else if (condition.kind === 'between' && condition.low.kind === 'value' && condition.high.kind === 'value') {
    const low = scope.value(condition.low.name);
    const high = scope.value(condition.high.name);
    if (sameType(low, high) && compareValues(low, high) > 0) throw new MemoryAwsValidationError('Invalid expression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound');
  }
}

function evaluate(condition: Condition, item: Item | undefined, scope: ExpressionScope): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item, scope) && evaluate(condition.right, item, scope);
    case 'or':
      return evaluate(condition.left, item, scope) || evaluate(condition.right, item, scope);
    case 'not':
      return !evaluate(condition.inner, item, scope);
    case 'exists':
      return item?.[condition.path] !== undefined;
    case 'not_exists':
      return item?.[condition.path] === undefined;
    case 'begins_with': {
      const subject = resolve(condition.subject, item, scope);
      const prefix = resolve(condition.prefix, item, scope);
      if (typeof subject === 'string' && typeof prefix === 'string') return subject.startsWith(prefix);
      if (subject instanceof Uint8Array && prefix instanceof Uint8Array) return Buffer.from(subject).subarray(0, prefix.length).equals(prefix);
      return false;
    }
    case 'between': {
      const subject = resolve(condition.subject, item, scope);
      const low = resolve(condition.low, item, scope);
      const high = resolve(condition.high, item, scope);
      if (subject === undefined || low === undefined || high === undefined) return false;
      if (!sameType(subject, low) || !sameType(subject, high)) return false;
      if (compareValues(low, high) > 0) throw new MemoryAwsValidationError('Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound');
      return compareValues(subject, low) >= 0 && compareValues(subject, high) <= 0;
    }
    case 'cmp': {
      const left = resolve(condition.left, item, scope);
      const right = resolve(condition.right, item, scope);
      // A missing attribute compares false; so do values of different types.
      if (left === undefined || right === undefined) return false;
      if (condition.op === '=') return deepEqual(left, right);
      if (!sameType(left, right)) return false;
      const order = compareValues(left, right);
      return condition.op === '<' ? order < 0 : condition.op === '<=' ? order <= 0 : condition.op === '>' ? order > 0 : order >= 0;
    }
  }
}

/** The condition's attributes compared for equality with a value (a key condition's partition key). */
function equalities(condition: Condition): { name: string; value: Operand }[] {
  if (condition.kind === 'and') return [...equalities(condition.left), ...equalities(condition.right)];
  if (condition.kind === 'cmp' && condition.op === '=' && condition.left.kind === 'path') return [{ name: condition.left.name, value: condition.right }];
  return [];
}

/** The attributes a key condition names, checking it has a key condition's shape: `pk = :v [AND <one sort key condition>]`. */
function keyConditionAttributes(condition: Condition, expression: string): string[] {
  const parts = condition.kind === 'and' ? [condition.left, condition.right] : [condition];
  const names: string[] = [];
  for (const part of parts) {
    if (part.kind === 'cmp' && part.left.kind === 'path' && part.right.kind === 'value') names.push(part.left.name);
    else if (part.kind === 'between' && part.subject.kind === 'path' && part.low.kind === 'value' && part.high.kind === 'value') names.push(part.subject.name);
    else if (part.kind === 'begins_with' && part.subject.kind === 'path' && part.prefix.kind === 'value') names.push(part.subject.name);
    else throw new MemoryAwsValidationError(`Invalid KeyConditionExpression: '${expression}' is not a key condition`);
  }
  return names;
}

function applyUpdate(actions: UpdateActions, item: Item | undefined, key: Item, keyNames: readonly string[], scope: ExpressionScope): Item {
  for (const path of [...actions.set.map((a) => a.path), ...actions.remove, ...actions.add.map((a) => a.path)]) {
    if (keyNames.includes(path)) throw new MemoryAwsValidationError(`Cannot update attribute ${path}. This attribute is part of the key`);
  }
  // Every value is computed from the item as it was, as DynamoDB does.
  const sets = actions.set.map(({ path, value }) => [path, resolve(value, item, scope)] as const);
  const adds = actions.add.map(({ path, value }) => {
    const amount = resolve(value, item, scope);
    const current = item?.[path];
    if (typeof amount !== 'number') throw new MemoryAwsUnsupported('ADD of anything but a number is not implemented');
    if (current !== undefined && typeof current !== 'number') throw new MemoryAwsValidationError('An operand in the update expression has an incorrect data type');
    return [path, (current ?? 0) + amount] as const;
  });
  const next: Item = { ...(item ?? {}), ...key };
  for (const [path, value] of sets) {
    if (value === undefined) throw new MemoryAwsValidationError('The provided expression refers to an attribute that does not exist in the item');
    next[path] = cleanCopy(value, path);
  }
  for (const path of actions.remove) delete next[path];
  for (const [path, value] of adds) next[path] = value;
  return next;
}

// ---------------------------------------------------------------------------------------------

type Send = (command: unknown) => Promise<any>;

/** Per caller: a label for the scheduler's report, and a hook around each call (crash injection). */
export interface ClientOptions {
  label: string;
  intercept?: (service: 'ddb' | 's3', command: unknown, forward: () => Promise<unknown>) => Promise<unknown>;
}

export class MemoryAws {
  /** Operations applied so far; versions and stale reads are counted in it. */
  seq = 0;
  gate: ((label: string) => Promise<void>) | undefined;
  faults: MemoryAwsFaults;
  readonly tables: SluiceContext['tables'];
  readonly bucket: string;
  readonly objects = new Map<string, { body: Uint8Array; lastModified: number }>();
  readonly listeners: ((write: ItemWrite) => void)[] = [];
  private readonly byName = new Map<string, Table>();
  private readonly held = new Map<string, number>();
  private nextTransaction = 0;
  private readonly options: MemoryAwsOptions;

  constructor(options: MemoryAwsOptions) {
    this.options = options;
    this.tables = options.tables;
    this.bucket = options.bucket;
    this.gate = options.gate;
    this.faults = options.faults ?? {};
    for (const [field, definition] of DEFINITIONS) this.byName.set(options.tables[field], new Table(options.tables[field], definition));
  }

  /** The two clients, as a context carries them. */
  clients(options: ClientOptions = { label: '' }): { ddb: DynamoDBDocumentClient; s3: S3Client } {
    const wrap =
      (service: 'ddb' | 's3', send: (command: unknown, label: string) => Promise<unknown>): Send =>
      (command: unknown) => {
        const label = `${options.label}${options.label ? ' ' : ''}${(command as object).constructor.name}`;
        const forward = () => send(command, label);
        return (options.intercept ? options.intercept(service, command, forward) : forward()) as Promise<any>;
      };
    return {
      ddb: { send: wrap('ddb', (command, label) => this.sendDynamo(command, label)) } as unknown as DynamoDBDocumentClient,
      s3: { send: wrap('s3', (command, label) => this.sendS3(command, label)) } as unknown as S3Client,
    };
  }

  // -- peeks for tests: no gate, no operation counted -------------------------------------------

  /** The item now (a copy), or undefined. */
  peek(table: string, key: Item): Item | undefined {
    const t = this.table(table);
    const { pk, sk } = t.keyOf(key, 'peek');
    return copyItem(current(t.slot(pk, sk)));
  }

  /** Every item of a table now (copies), optionally of one partition key, in key order. */
  peekAll(table: string, pk?: string): Item[] {
    const t = this.table(table);
    const slots = pk === undefined ? [...t.slots()] : [...(t.partitions.get(pk)?.values() ?? [])];
    return slots
      .map(current)
      .filter((item): item is Item => item !== undefined)
      .sort((a, b) => this.compareKeys(t, a, b))
      .map((item) => copyItem(item)!);
  }

  /** Items a transaction holds between its two steps (none once every call has returned). */
  heldItems(): number {
    return this.held.size;
  }

  onItemWrite(listener: (write: ItemWrite) => void): void {
    this.listeners.push(listener);
  }

  // -- DynamoDB ---------------------------------------------------------------------------------

  private async sendDynamo(command: unknown, label: string): Promise<unknown> {
    if (this.gate) await this.gate(label);
    if (command instanceof TransactWriteCommand) return this.transactWrite(command.input as Item, label);
    this.step();
    if (command instanceof GetCommand) return this.get(command.input as Item);
    if (command instanceof BatchGetCommand) return this.batchGet(command.input as Item);
    if (command instanceof QueryCommand) return this.query(command.input as Item, 'Query');
    if (command instanceof ScanCommand) return this.query(command.input as Item, 'Scan');
    if (command instanceof PutCommand) return this.singleWrite('Put', command.input as Item);
    if (command instanceof UpdateCommand) return this.singleWrite('Update', command.input as Item);
    if (command instanceof DeleteCommand) return this.singleWrite('Delete', command.input as Item);
    if (command instanceof BatchWriteCommand) return this.batchWrite(command.input as Item);
    throw new MemoryAwsUnsupported(`DynamoDB command ${(command as object).constructor.name} is not implemented`);
  }

  private step(): void {
    this.seq++;
    this.options.onOp?.();
  }

  private table(name: unknown): Table {
    const table = this.byName.get(String(name));
    if (!table) throw new MemoryAwsValidationError(`Requested resource not found: table ${String(name)}`);
    return table;
  }

  private random(): number {
    return this.options.random?.() ?? 0;
  }

  /** The operation counter an eventually consistent read sees. */
  private readPoint(consistent: boolean): number {
    const stale = consistent ? 0 : (this.faults.staleOps ?? 0);
    return stale > 0 ? this.seq - Math.floor(this.random() * (stale + 1)) : this.seq;
  }

  private compareKeys(table: Table, a: Item, b: Item): number {
    for (const attribute of table.keyAttributes()) {
      const order = compareValues(a[attribute.name], b[attribute.name]);
      if (order !== 0) return order;
    }
    return 0;
  }

  private static checkInput(input: Item, allowed: readonly string[], what: string): void {
    for (const key of Object.keys(input)) if (input[key] !== undefined && !allowed.includes(key)) throw new MemoryAwsUnsupported(`${what}: the parameter ${key} is not implemented`);
  }

  private projection(input: Item, scope: ExpressionScope): string[] | undefined {
    return input.ProjectionExpression === undefined ? undefined : new Parser(String(input.ProjectionExpression), scope).parseProjection();
  }

  private get(input: Item): unknown {
    MemoryAws.checkInput(input, ['TableName', 'Key', 'ConsistentRead', 'ProjectionExpression', 'ExpressionAttributeNames'], 'GetItem');
    const table = this.table(input.TableName);
    const scope = new ExpressionScope(input.ExpressionAttributeNames as Record<string, string>, undefined);
    const projection = this.projection(input, scope);
    scope.checkAllUsed();
    const { pk, sk } = table.exactKey(input.Key as Item, 'GetItem');
    const item = versionAt(table.slot(pk, sk), this.readPoint(input.ConsistentRead === true));
    return { Item: project(item, projection), $metadata: {} };
  }

  private batchGet(input: Item): unknown {
    MemoryAws.checkInput(input, ['RequestItems'], 'BatchGetItem');
    const requests = input.RequestItems as Record<string, Item>;
    const responses: Record<string, Item[]> = {};
    const unprocessed: Record<string, Item> = {};
    let total = 0;
    for (const [name, request] of Object.entries(requests)) {
      MemoryAws.checkInput(request, ['Keys', 'ConsistentRead', 'ProjectionExpression', 'ExpressionAttributeNames'], 'BatchGetItem');
      const table = this.table(name);
      const scope = new ExpressionScope(request.ExpressionAttributeNames as Record<string, string>, undefined);
      const projection = this.projection(request, scope);
      scope.checkAllUsed();
      const keys = request.Keys as Item[];
      total += keys.length;
      const seen = new Set<string>();
      const found: Item[] = [];
      const left: Item[] = [];
      for (const given of keys) {
        const { pk, sk } = table.exactKey(given, 'BatchGetItem');
        const id = JSON.stringify([pk, sk]);
        if (seen.has(id)) throw new MemoryAwsValidationError('Provided list of item keys contains duplicates');
        seen.add(id);
        if ((this.faults.unprocessedRate ?? 0) > 0 && this.random() < this.faults.unprocessedRate!) {
          left.push(given);
          continue;
        }
        const item = versionAt(table.slot(pk, sk), this.readPoint(request.ConsistentRead === true));
        if (item) found.push(project(item, projection)!);
      }
      responses[name] = shuffle(found, () => this.random());
      if (left.length > 0) unprocessed[name] = { ...request, Keys: left };
    }
    if (total > 100) throw new MemoryAwsValidationError(`Too many items requested for the BatchGetItem call: ${total}`);
    if (total === 0) throw new MemoryAwsValidationError('BatchGetItem needs at least one key');
    return { Responses: responses, UnprocessedKeys: unprocessed, $metadata: {} };
  }

  private query(input: Item, kind: 'Query' | 'Scan'): unknown {
    MemoryAws.checkInput(
      input,
      [
        'TableName',
        'IndexName',
        'KeyConditionExpression',
        'FilterExpression',
        'ProjectionExpression',
        'ExpressionAttributeNames',
        'ExpressionAttributeValues',
        'ConsistentRead',
        'Limit',
        'ExclusiveStartKey',
        ...(kind === 'Query' ? ['ScanIndexForward'] : []),
      ],
      kind,
    );
    const table = this.table(input.TableName);
    const scope = new ExpressionScope(input.ExpressionAttributeNames as Record<string, string>, input.ExpressionAttributeValues as Item);
    const { hashKey, rangeKey, global, keysOnly } = this.indexSchema(table, input.IndexName as string | undefined);
    if (global && input.ConsistentRead === true) throw new MemoryAwsValidationError('Consistent reads are not supported on global secondary indexes');
    const keyCondition = kind === 'Query' ? new Parser(String(input.KeyConditionExpression ?? ''), scope).parseCondition() : undefined;
    if (kind === 'Query' && input.KeyConditionExpression === undefined) throw new MemoryAwsValidationError('Query needs a KeyConditionExpression');
    const filter = input.FilterExpression === undefined ? undefined : new Parser(String(input.FilterExpression), scope).parseCondition();
    const projection = this.projection(input, scope);
    scope.checkAllUsed();
    let partitionValue: unknown;
    if (keyCondition) {
      const names = keyConditionAttributes(keyCondition, String(input.KeyConditionExpression));
      const hash = equalities(keyCondition).find((e) => e.name === hashKey.name);
      if (!hash || names.some((name) => name !== hashKey.name && name !== rangeKey?.name) || names.filter((n) => n === hashKey.name).length !== 1) {
        throw new MemoryAwsValidationError(`Query condition missed key schema element or names a non-key attribute: '${String(input.KeyConditionExpression)}'`);
      }
      partitionValue = resolve(hash.value, undefined, scope);
    }
    const point = this.readPoint(input.ConsistentRead === true);
    const slots = !global && partitionValue !== undefined ? [...(table.partitions.get(String(partitionValue))?.values() ?? [])] : [...table.slots()];
    const indexKeys = [hashKey, ...(rangeKey ? [rangeKey] : [])];
    const candidates = slots
      .map((slot) => versionAt(slot, point))
      .filter((item): item is Item => item !== undefined && indexKeys.every((key) => item[key.name] !== undefined))
      .filter((item) => {
        for (const key of indexKeys) checkType(item[key.name], key, `index key ${key.name} of an item`);
        return keyCondition ? evaluate(keyCondition, item, scope) : true;
      });
    const order = (a: Item, b: Item) =>
      (kind === 'Scan' ? 0 : compareValues(a[(rangeKey ?? hashKey).name], b[(rangeKey ?? hashKey).name])) ||
      compareValues(a[hashKey.name], b[hashKey.name]) ||
      this.compareKeys(table, a, b);
    candidates.sort(order);
    if (input.ScanIndexForward === false) candidates.reverse();
    let start = 0;
    const esk = input.ExclusiveStartKey as Item | undefined;
    if (esk) {
      const expected = [...new Set([...table.keyAttributes(), ...indexKeys].map((key) => key.name))];
      if (Object.keys(esk).sort().join() !== expected.sort().join()) throw new MemoryAwsValidationError(`The provided starting key is invalid: expected ${expected.join(', ')}`);
      if (keyCondition && !evaluate(keyCondition, esk, scope)) throw new MemoryAwsValidationError('The provided starting key is outside query boundaries based on provided conditions');
      start = candidates.findIndex((item) => (input.ScanIndexForward === false ? order(item, esk) < 0 : order(item, esk) > 0));
      if (start < 0) start = candidates.length;
    }
    const limit = input.Limit === undefined ? Number.POSITIVE_INFINITY : Number(input.Limit);
    if (!(limit >= 1)) throw new MemoryAwsValidationError('Limit must be at least 1');
    const pageSize = Math.min(limit, this.faults.pageItems ?? Number.POSITIVE_INFINITY);
    const evaluated = candidates.slice(start, start + pageSize);
    // DynamoDB stops at the limit without looking further: a page that ends there has a LastEvaluatedKey.
    const last = evaluated.length === pageSize ? evaluated.at(-1) : undefined;
    const items = evaluated
      .filter((item) => (filter ? evaluate(filter, item, scope) : true))
      .map((item) => (keysOnly ? pick(item, [...new Set([...table.keyAttributes(), ...indexKeys].map((key) => key.name))]) : item))
      .map((item) => project(item, projection)!);
    return {
      Items: items,
      Count: items.length,
      ScannedCount: evaluated.length,
      ...(last ? { LastEvaluatedKey: pick(last, [...new Set([...table.keyAttributes(), ...indexKeys].map((key) => key.name))]) } : {}),
      $metadata: {},
    };
  }

  private indexSchema(table: Table, indexName: string | undefined): { hashKey: KeyAttribute; rangeKey: KeyAttribute | undefined; global: boolean; keysOnly: boolean } {
    if (indexName === undefined) return { hashKey: table.definition.partitionKey, rangeKey: table.definition.sortKey, global: false, keysOnly: false };
    const local = table.definition.localIndexes?.find((index) => index.name === indexName);
    if (local) return { hashKey: table.definition.partitionKey, rangeKey: local.sortKey, global: false, keysOnly: false };
    const global = table.definition.globalIndexes?.find((index) => index.name === indexName);
    if (global) return { hashKey: global.partitionKey, rangeKey: global.sortKey, global: true, keysOnly: global.projection === 'KEYS_ONLY' };
    throw new MemoryAwsValidationError(`The table ${table.name} does not have the specified index: ${indexName}`);
  }

  /** The item's index key attributes must have their index's types (DynamoDB refuses the write otherwise). */
  private checkIndexTypes(table: Table, item: Item): void {
    for (const index of table.definition.localIndexes ?? []) if (item[index.sortKey.name] !== undefined) checkType(item[index.sortKey.name], index.sortKey, `index key ${index.sortKey.name}`);
    for (const index of table.definition.globalIndexes ?? []) {
      for (const key of [index.partitionKey, index.sortKey]) if (item[key.name] !== undefined) checkType(item[key.name], key, `index key ${key.name}`);
    }
  }

  /** What one write (alone, or as part of a transaction) makes of the item; throws ConditionFailed when its condition fails. */
  private plan(kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck', input: Item): { table: Table; pk: string; sk: string; before: Item | undefined; after: Item | undefined } {
    const common = ['TableName', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ReturnValues', 'ReturnValuesOnConditionCheckFailure'];
    const allowed = kind === 'Put' ? [...common, 'Item'] : kind === 'Update' ? [...common, 'Key', 'UpdateExpression'] : [...common, 'Key'];
    MemoryAws.checkInput(input, allowed, kind);
    const table = this.table(input.TableName);
    const scope = new ExpressionScope(input.ExpressionAttributeNames as Record<string, string>, input.ExpressionAttributeValues as Item);
    const condition = input.ConditionExpression === undefined ? undefined : new Parser(String(input.ConditionExpression), scope).parseCondition();
    if (kind === 'ConditionCheck' && !condition) throw new MemoryAwsValidationError('ConditionCheck needs a ConditionExpression');
    const update = kind === 'Update' ? new Parser(String(input.UpdateExpression ?? ''), scope).parseUpdate() : undefined;
    scope.checkAllUsed();
    const given = kind === 'Put' ? (cleanCopy(input.Item, 'Item') as Item) : (input.Key as Item);
    const { key, pk, sk } = kind === 'Put' ? table.keyOf(given, kind) : table.exactKey(given, kind);
    const before = current(table.slot(pk, sk));
    if (condition && !evaluate(condition, before, scope)) throw new ConditionFailed();
    let after: Item | undefined;
    if (kind === 'Put') after = given;
    else if (kind === 'Update') after = applyUpdate(update!, before, key, table.keyAttributes().map((k) => k.name), scope);
    else if (kind === 'Delete') after = undefined;
    else after = before;
    if (after) this.checkIndexTypes(table, after);
    return { table, pk, sk, before, after };
  }

  private write(table: Table, pk: string, sk: string, after: Item | undefined): void {
    let partition = table.partitions.get(pk);
    if (!partition) table.partitions.set(pk, (partition = new Map()));
    let slot = partition.get(sk);
    const before = current(slot);
    if (!slot) partition.set(sk, (slot = { key: {}, versions: [] }));
    slot.versions.push({ seq: this.seq, item: copyItem(after) });
    // Keep what a stale read may still see: the versions of the window, and the one before it.
    const horizon = this.seq - (this.faults.staleOps ?? 0) - 1;
    while (slot.versions.length > 1 && slot.versions[1]!.seq <= horizon) slot.versions.shift();
    for (const listener of this.listeners) listener({ table: table.name, before: copyItem(before), after: copyItem(after), seq: this.seq });
  }

  private heldBy(table: Table, pk: string, sk: string): number | undefined {
    return this.held.get(JSON.stringify([table.name, pk, sk]));
  }

  private singleWrite(kind: 'Put' | 'Update' | 'Delete', input: Item): unknown {
    let planned;
    try {
      planned = this.plan(kind, input);
    } catch (error) {
      if (error instanceof ConditionFailed) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      throw error;
    }
    const { table, pk, sk, before, after } = planned;
    if (this.heldBy(table, pk, sk) !== undefined) throw new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: {} });
    this.write(table, pk, sk, after);
    const returnValues = input.ReturnValues ?? 'NONE';
    if (returnValues === 'ALL_OLD') return { Attributes: copyItem(before), $metadata: {} };
    if (returnValues === 'ALL_NEW') return { Attributes: copyItem(after), $metadata: {} };
    if (returnValues !== 'NONE') throw new MemoryAwsUnsupported(`ReturnValues ${String(returnValues)} is not implemented`);
    return { $metadata: {} };
  }

  private batchWrite(input: Item): unknown {
    MemoryAws.checkInput(input, ['RequestItems'], 'BatchWriteItem');
    const requests = input.RequestItems as Record<string, Item[]>;
    const unprocessed: Record<string, Item[]> = {};
    const writes: { table: Table; pk: string; sk: string; after: Item | undefined }[] = [];
    const seen = new Set<string>();
    let total = 0;
    for (const [name, list] of Object.entries(requests)) {
      const table = this.table(name);
      for (const request of list) {
        total++;
        let target: { key: Item; pk: string; sk: string };
        let after: Item | undefined;
        if (request.DeleteRequest) {
          target = table.exactKey((request.DeleteRequest as Item).Key as Item, 'BatchWriteItem DeleteRequest');
        } else if (request.PutRequest) {
          after = cleanCopy((request.PutRequest as Item).Item, 'Item') as Item;
          target = table.keyOf(after, 'BatchWriteItem PutRequest');
          this.checkIndexTypes(table, after);
        } else throw new MemoryAwsValidationError('A BatchWriteItem request needs a PutRequest or a DeleteRequest');
        const id = JSON.stringify([name, target.pk, target.sk]);
        if (seen.has(id)) throw new MemoryAwsValidationError('Provided list of item keys contains duplicates');
        seen.add(id);
        const busy = this.heldBy(table, target.pk, target.sk) !== undefined;
        if (busy || ((this.faults.unprocessedRate ?? 0) > 0 && this.random() < this.faults.unprocessedRate!)) (unprocessed[name] ??= []).push(request);
        else writes.push({ table, pk: target.pk, sk: target.sk, after });
      }
    }
    if (total > 25) throw new MemoryAwsValidationError(`Too many items in the BatchWriteItem call: ${total}`);
    if (total === 0) throw new MemoryAwsValidationError('BatchWriteItem needs at least one request');
    for (const { table, pk, sk, after } of writes) this.write(table, pk, sk, after);
    return { UnprocessedItems: unprocessed, $metadata: {} };
  }

  /** Two steps, as DynamoDB runs a transaction: check and hold every item, then (after another gate) write them all. */
  private async transactWrite(input: Item, label: string): Promise<unknown> {
    MemoryAws.checkInput(input, ['TransactItems', 'ClientRequestToken'], 'TransactWriteItems');
    const items = input.TransactItems as Item[];
    if (items.length === 0 || items.length > 100) throw new MemoryAwsValidationError(`TransactItems must hold 1 to 100 actions, not ${items.length}`);
    this.step();
    const reasons: { Code: string; Message?: string }[] = [];
    const plans: { table: Table; pk: string; sk: string; after: Item | undefined; kind: string }[] = [];
    const ids = new Set<string>();
    for (const action of items) {
      const kinds = Object.keys(action).filter((k) => action[k] !== undefined);
      if (kinds.length !== 1 || !['Put', 'Update', 'Delete', 'ConditionCheck'].includes(kinds[0]!)) throw new MemoryAwsValidationError(`A transaction action needs exactly one of Put, Update, Delete, ConditionCheck: ${kinds.join(', ')}`);
      const kind = kinds[0] as 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
      const body = action[kind] as Item;
      const table = this.table(body.TableName);
      const { pk, sk } = kind === 'Put' ? table.keyOf(body.Item as Item, kind) : table.exactKey(body.Key as Item, kind);
      const id = JSON.stringify([table.name, pk, sk]);
      if (ids.has(id)) throw new MemoryAwsValidationError('Transaction request cannot include multiple operations on one item');
      ids.add(id);
      if (this.heldBy(table, pk, sk) !== undefined) {
        reasons.push({ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' });
        continue;
      }
      try {
        const planned = this.plan(kind, body);
        plans.push({ table, pk, sk, after: planned.after, kind });
        reasons.push({ Code: 'None' });
      } catch (error) {
        if (error instanceof ConditionFailed) reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' });
        else if (error instanceof MemoryAwsValidationError) reasons.push({ Code: 'ValidationError', Message: error.message });
        else throw error;
      }
    }
    if (reasons.some((reason) => reason.Code !== 'None')) {
      const codes = reasons.map((reason) => reason.Code).join(', ');
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        CancellationReasons: reasons,
        $metadata: {},
      });
    }
    const transaction = ++this.nextTransaction;
    const keys = plans.map(({ table, pk, sk }) => JSON.stringify([table.name, pk, sk]));
    for (const key of keys) this.held.set(key, transaction);
    try {
      if (this.gate) await this.gate(`${label} commit`);
    } finally {
      for (const key of keys) this.held.delete(key);
    }
    this.step();
    for (const { table, pk, sk, after, kind } of plans) if (kind !== 'ConditionCheck') this.write(table, pk, sk, after);
    return { $metadata: {} };
  }

  // -- S3 -----------------------------------------------------------------------------------------

  private async sendS3(command: unknown, label: string): Promise<unknown> {
    if (this.gate) await this.gate(label);
    this.step();
    const input = (command as { input: Item }).input;
    if (input.Bucket !== this.bucket) throw Object.assign(new Error(`The specified bucket does not exist: ${String(input.Bucket)}`), { name: 'NoSuchBucket' });
    if (command instanceof PutObjectCommand) {
      MemoryAws.checkInput(input, ['Bucket', 'Key', 'Body', 'ContentType'], 'PutObject');
      const body = input.Body;
      const bytes = typeof body === 'string' ? new Uint8Array(Buffer.from(body)) : body instanceof Uint8Array ? new Uint8Array(body) : undefined;
      if (!bytes) throw new MemoryAwsUnsupported('PutObject Body must be bytes or a string');
      this.objects.set(String(input.Key), { body: bytes, lastModified: this.options.now?.() ?? 0 });
      return { $metadata: {} };
    }
    if (command instanceof GetObjectCommand) {
      MemoryAws.checkInput(input, ['Bucket', 'Key', 'Range'], 'GetObject');
      const object = this.objects.get(String(input.Key));
      if (!object) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      let bytes = object.body;
      if (input.Range !== undefined) {
        const match = /^bytes=(\d+)-(\d+)$/.exec(String(input.Range));
        if (!match) throw new MemoryAwsUnsupported(`Range ${String(input.Range)} is not implemented`);
        const first = Number(match[1]);
        const last = Number(match[2]);
        if (first >= bytes.length || last < first) throw Object.assign(new Error('The requested range is not satisfiable'), { name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
        bytes = bytes.subarray(first, Math.min(last, bytes.length - 1) + 1);
      }
      const copy = new Uint8Array(bytes);
      return { Body: { transformToByteArray: async () => copy }, ContentLength: copy.length, LastModified: new Date(object.lastModified), $metadata: {} };
    }
    if (command instanceof HeadObjectCommand) {
      MemoryAws.checkInput(input, ['Bucket', 'Key'], 'HeadObject');
      const object = this.objects.get(String(input.Key));
      if (!object) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
      return { ContentLength: object.body.length, LastModified: new Date(object.lastModified), $metadata: {} };
    }
    if (command instanceof DeleteObjectCommand) {
      MemoryAws.checkInput(input, ['Bucket', 'Key'], 'DeleteObject');
      this.objects.delete(String(input.Key));
      return { $metadata: {} };
    }
    if (command instanceof DeleteObjectsCommand) {
      MemoryAws.checkInput(input, ['Bucket', 'Delete'], 'DeleteObjects');
      const request = input.Delete as { Objects: { Key: string }[]; Quiet?: boolean };
      if (request.Objects.length === 0 || request.Objects.length > 1000) throw new MemoryAwsValidationError(`DeleteObjects takes 1 to 1000 keys, not ${request.Objects.length}`);
      const errors: { Key: string; Code: string; Message: string }[] = [];
      const deleted: { Key: string }[] = [];
      for (const { Key } of request.Objects) {
        if ((this.faults.s3DeleteErrorRate ?? 0) > 0 && this.random() < this.faults.s3DeleteErrorRate!) {
          errors.push({ Key, Code: 'InternalError', Message: 'We encountered an internal error. Please try again.' });
          continue;
        }
        this.objects.delete(Key);
        deleted.push({ Key });
      }
      return { Errors: errors, ...(request.Quiet ? {} : { Deleted: deleted }), $metadata: {} };
    }
    if (command instanceof ListObjectsV2Command) {
      MemoryAws.checkInput(input, ['Bucket', 'Prefix', 'StartAfter', 'MaxKeys', 'ContinuationToken'], 'ListObjectsV2');
      const prefix = String(input.Prefix ?? '');
      const after = String(input.ContinuationToken ?? input.StartAfter ?? '');
      const max = Number(input.MaxKeys ?? 1000);
      const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix) && key > after).sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > page.length;
      return {
        Contents: page.map((Key) => ({ Key, Size: this.objects.get(Key)!.body.length, LastModified: new Date(this.objects.get(Key)!.lastModified) })),
        KeyCount: page.length,
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: page.at(-1) } : {}),
        $metadata: {},
      };
    }
    throw new MemoryAwsUnsupported(`S3 command ${(command as object).constructor.name} is not implemented`);
  }
}

class ConditionFailed extends Error {}

function current(slot: Slot | undefined): Item | undefined {
  return slot?.versions.at(-1)?.item;
}

/** The item as it was after operation `seq` (its latest version not later than that). */
function versionAt(slot: Slot | undefined, seq: number): Item | undefined {
  if (!slot) return undefined;
  for (let i = slot.versions.length - 1; i >= 0; i--) if (slot.versions[i]!.seq <= seq) return slot.versions[i]!.item;
  return undefined;
}

function pick(item: Item, names: readonly string[]): Item {
  const out: Item = {};
  for (const name of names) if (item[name] !== undefined) out[name] = item[name];
  return out;
}

function project(item: Item | undefined, projection: string[] | undefined): Item | undefined {
  if (!item) return undefined;
  return copyItem(projection ? pick(item, projection) : item);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A context on the double, as contextFromEnv builds one on the real clients. */
export function memoryContext(
  aws: MemoryAws,
  parts: { now: () => number; newId: () => string; random: () => number; sleep?: (ms: number) => Promise<void>; client?: ClientOptions },
): SluiceContext {
  return {
    ...aws.clients(parts.client),
    tables: aws.tables,
    bucket: aws.bucket,
    now: parts.now,
    newId: parts.newId,
    random: parts.random,
    sleep: parts.sleep ?? (async () => undefined),
  };
}
