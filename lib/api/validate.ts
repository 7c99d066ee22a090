import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ValidationError } from '../errors';

/**
 * Parses input with a schema and turns the first problem into a 400 that names the
 * field (as a path like `records[3].value`) and, where there is one, the limit.
 */
export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown, root = ''): z.infer<S> {
  // zod/mini ships without a locale, where full zod registers English by default. Do the same
  // (here rather than at import, so bundles that never validate leave it out), so the messages
  // zod writes itself, for checks without a custom error, read as they always have.
  if (!z.config().localeError) z.config(en());
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = formatPath(root, issue.path);
  const limit = limitOf(issue);
  const details = { field: field || undefined, ...(limit === undefined ? {} : { limit }) };
  throw new ValidationError(`${field || 'body'}: ${issue.message}`, details);
}

export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function limitOf(issue: z.core.$ZodIssue): number | undefined {
  if (issue.code === 'too_big') return Number(issue.maximum);
  if (issue.code === 'too_small') return Number(issue.minimum);
  return undefined;
}
