/** Command-line helpers shared by the check scripts (safety, fuzz). */

/** A whole number from `min` to `max` given after the flag `name`; anything else names the flag and the range. */
export function integerArg(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) throw new Error(`${name} must be an integer ${min}-${max}, got '${raw ?? ''}'`);
  return value;
}
