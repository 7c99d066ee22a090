import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ValidationError } from './errors';

/**
 * Parses input with a schema and turns the first problem into a 400 that names the
 * field (as a path like `records[3].value`, `body` for the body itself) and, where a
 * limit was crossed, the limit.
 */
export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown, root = ''): z.infer<S> {
  // zod/mini ships without a locale, where full zod registers English by default. Do the same
  // (here rather than at import, so bundles that never validate leave it out), so the messages
  // zod writes itself, for checks without a custom error, read as they always have.
  if (!z.config().localeError) z.config(en());
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = decisiveIssue(result.error.issues[0]!);
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = formatPath(root, path) || 'body';
  const limit = limitOf(issue);
  throw new ValidationError(`${field}: ${messageOf(issue)}`, { field, ...(limit === undefined ? {} : { limit }) });
}

/**
 * For a union, the problem of the alternative whose type matched (a list of 65 headers
 * is "at most 64", not "a list or an object"); for a map key, the key rule's problem;
 * otherwise the issue itself.
 */
function decisiveIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  // A map key that breaks its rule: the rule's own problem (and limit), at the key's path.
  if (issue.code === 'invalid_key' && issue.issues[0]) return decisiveIssue({ ...issue.issues[0], path: [...issue.path, ...issue.issues[0].path] } as z.core.$ZodIssue);
  if (issue.code !== 'invalid_union') return issue;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && !(first.code === 'invalid_type' && first.path.length === 0)) return decisiveIssue({ ...first, path: [...issue.path, ...first.path] } as z.core.$ZodIssue);
  }
  return issue;
}

export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'is not a known field';
  if (issue.code === 'invalid_type' && issue.expected === 'object') return 'must be a JSON object';
  return issue.message;
}

/** The limit a too_big or too_small issue crossed, or the `limit` a custom check names in its params. */
function limitOf(issue: z.core.$ZodIssue): number | string | undefined {
  if (issue.code === 'too_big') return Number(issue.maximum);
  if (issue.code === 'too_small') return Number(issue.minimum);
  if (issue.code === 'custom') {
    const limit = (issue.params as { limit?: unknown } | undefined)?.limit;
    if (typeof limit === 'number' || typeof limit === 'string') return limit;
  }
  return undefined;
}
