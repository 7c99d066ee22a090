import * as z from 'zod/mini';

/**
 * Every identifier the API accepts and stores, with one documented rule each
 * (docs/http-api.md, "Identifiers"). Limits are checked before anything reaches
 * storage, and in bytes wherever storage counts bytes: DynamoDB refuses partition keys
 * over 2,048 bytes and sort keys over 1,024, which would otherwise surface as a 500.
 */
export const IDENTIFIER_LIMITS = {
  /** Topic, group, dead-letter topic and producer names: Kafka's topic rule. */
  nameMaxLength: 249,
  /** Member ids are `<clientId>-<uuid>`; ACL rule ids are uuids. */
  memberIdMaxLength: 128,
  ruleIdMaxLength: 128,
  clientIdMaxLength: 64,
  /** A principal is a Sort key of the Access table (quotas), so it is at most 1,024 bytes. */
  principalMaxBytes: 1024,
  headerKeyMaxBytes: 256,
  targetUrlMaxBytes: 2048,
  /** Partitions are Kafka int32s. */
  partitionMax: 2 ** 31 - 1,
} as const;

/** ASCII letters, digits, `.`, `_` and `-`: safe in a URL path, a DynamoDB key and an S3 key. */
export const NAME_CHARACTERS = /^[a-zA-Z0-9._-]+$/;
const NAME_CHARACTERS_TEXT = 'may contain only ASCII letters, digits, ".", "_" and "-"';

const utf8 = new TextEncoder();

/** Length in UTF-8 bytes, as storage counts it. */
export function utf8Length(text: string): number {
  return utf8.encode(text).byteLength;
}

/** No lone surrogate: a string that survives UTF-8 encoding and decoding unchanged. */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A Kafka-style name: topics, groups, producer names (1–249 of `[a-zA-Z0-9._-]`, not `.` or `..`). */
export function nameSchema() {
  return z.string({ error: 'must be a string' }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(IDENTIFIER_LIMITS.nameMaxLength, { error: `must be at most ${IDENTIFIER_LIMITS.nameMaxLength} characters` }),
    z.regex(NAME_CHARACTERS, { error: NAME_CHARACTERS_TEXT }),
    z.refine((name) => name !== '.' && name !== '..', { error: 'must not be "." or ".."' }),
  );
}

/** An opaque id the server issued (member ids, ACL rule ids). */
export function tokenSchema(maxLength: number) {
  return z.string({ error: 'must be a string' }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(maxLength, { error: `must be at most ${maxLength} characters` }),
    z.regex(NAME_CHARACTERS, { error: NAME_CHARACTERS_TEXT }),
  );
}

/** Free text that is stored and compared: well-formed, no control characters, at most `maxBytes` UTF-8 bytes. */
export function textIdentifierSchema(maxBytes: number) {
  return z.string({ error: 'must be a string' }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.refine((text) => utf8Length(text) <= maxBytes, { error: `must be at most ${maxBytes} bytes (UTF-8)`, params: { limit: maxBytes } }),
    z.refine((text) => isWellFormed(text), { error: 'must be well-formed Unicode (no lone surrogates)' }),
    z.refine((text) => !CONTROL_CHARACTERS.test(text), { error: 'must not contain control characters' }),
  );
}

export const topicNameSchema = nameSchema();
export const groupNameSchema = nameSchema();
export const producerNameSchema = nameSchema();
export const memberIdSchema = tokenSchema(IDENTIFIER_LIMITS.memberIdMaxLength);
export const ruleIdSchema = tokenSchema(IDENTIFIER_LIMITS.ruleIdMaxLength);
export const clientIdSchema = tokenSchema(IDENTIFIER_LIMITS.clientIdMaxLength);
export const principalSchema = textIdentifierSchema(IDENTIFIER_LIMITS.principalMaxBytes);

/** A record header's key: any well-formed text (Kafka's header keys are strings), at most 256 UTF-8 bytes. */
export const headerKeySchema = z.string({ error: 'must be a string' }).check(
  z.minLength(1, { error: 'must not be empty' }),
  z.refine((key) => utf8Length(key) <= IDENTIFIER_LIMITS.headerKeyMaxBytes, {
    error: `must be at most ${IDENTIFIER_LIMITS.headerKeyMaxBytes} bytes (UTF-8)`,
    params: { limit: IDENTIFIER_LIMITS.headerKeyMaxBytes },
  }),
  z.refine((key) => isWellFormed(key), { error: 'must be well-formed Unicode (no lone surrogates)' }),
);

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A push target: HTTPS, or plain HTTP to this machine for local development; no control characters or spaces. */
export const targetUrlSchema = z.string({ error: 'must be a URL' }).check(
  z.refine((text) => utf8Length(text) <= IDENTIFIER_LIMITS.targetUrlMaxBytes, {
    error: `must be at most ${IDENTIFIER_LIMITS.targetUrlMaxBytes} bytes`,
    params: { limit: IDENTIFIER_LIMITS.targetUrlMaxBytes },
  }),
  // The URL parser strips tabs and newlines and percent-encodes others; refuse them instead of storing a different URL.
  z.refine((text) => !/\s/.test(text) && !CONTROL_CHARACTERS.test(text), { error: 'must not contain whitespace or control characters' }),
  z.refine(
    (text) => {
      try {
        const url = new URL(text);
        return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
      } catch {
        return false;
      }
    },
    { error: 'must be an https:// URL (http:// only to localhost)' },
  ),
  // fetch refuses URLs with credentials, so every delivery would fail; the secret signs deliveries instead.
  z.refine(
    (text) => {
      try {
        const url = new URL(text);
        return url.username === '' && url.password === '';
      } catch {
        return false;
      }
    },
    { error: 'must not carry credentials (user:password@); deliveries are signed with the secret instead' },
  ),
);
