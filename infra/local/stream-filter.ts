/** Lambda event filtering for the local stream trigger (a subset of the syntax: see OPERATORS). */

type Rule = string | number | boolean | null | { [operator: string]: unknown };

const OPERATORS = new Set(['exists', 'prefix', 'suffix', 'anything-but', 'numeric', 'equals-ignore-case']);

/** Throws on pattern syntax this emulation does not understand, so a typo does not silently match nothing. */
export function validatePattern(pattern: unknown, functionName: string, path = ''): void {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
    throw new Error(`${functionName}: filter pattern${path ? ` at ${path}` : ''} must be an object`);
  }
  for (const [key, rule] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (Array.isArray(rule)) {
      for (const element of rule) {
        if (typeof element !== 'object' || element === null) continue;
        const operators = Object.keys(element);
        if (operators.length !== 1 || !OPERATORS.has(operators[0]!)) {
          throw new Error(`${functionName}: unsupported filter rule ${JSON.stringify(element)} at ${at}`);
        }
      }
    } else if (typeof rule === 'object' && rule !== null) {
      validatePattern(rule, functionName, at);
    } else {
      throw new Error(`${functionName}: filter value at ${at} must be an array of rules or a nested object`);
    }
  }
}

/** Every key of the pattern must match: arrays list alternatives, objects recurse. */
export function matchesPattern(pattern: Record<string, unknown>, value: unknown): boolean {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([key, rule]) => {
    const present = Object.hasOwn(fields, key) && fields[key] !== undefined;
    const field = present ? fields[key] : undefined;
    if (Array.isArray(rule)) return rule.some((element: Rule) => matchesRule(element, field, present));
    return matchesPattern(rule as Record<string, unknown>, field);
  });
}

function matchesRule(rule: Rule, field: unknown, present: boolean): boolean {
  if (rule === null || typeof rule !== 'object') {
    if (Array.isArray(field)) return field.some((item) => item === rule);
    return present && field === rule;
  }
  const [operator, argument] = Object.entries(rule)[0]!;
  if (operator === 'exists') return present === argument;
  if (!present) return false;
  const values: unknown[] = Array.isArray(field) ? field : [field];
  return values.some((v) => matchesOperator(operator, argument, v));
}

function matchesOperator(operator: string, argument: unknown, v: unknown): boolean {
  switch (operator) {
    case 'prefix':
      return typeof v === 'string' && typeof argument === 'string' && v.startsWith(argument);
    case 'suffix':
      return typeof v === 'string' && typeof argument === 'string' && v.endsWith(argument);
    case 'equals-ignore-case':
      return typeof v === 'string' && typeof argument === 'string' && v.toLowerCase() === argument.toLowerCase();
    case 'anything-but':
      return !(Array.isArray(argument) ? argument : [argument]).includes(v);
    case 'numeric':
      return typeof v === 'number' && Array.isArray(argument) && matchesNumeric(v, argument);
    default:
      return false;
  }
}

function matchesNumeric(v: number, conditions: unknown[]): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const bound = conditions[i + 1];
    if (typeof bound !== 'number') return false;
    const ok = { '=': v === bound, '<': v < bound, '<=': v <= bound, '>': v > bound, '>=': v >= bound }[String(conditions[i])];
    if (!ok) return false;
  }
  return true;
}
