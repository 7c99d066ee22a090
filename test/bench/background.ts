import { AsyncLocalStorage } from 'node:async_hooks';
import type { LocalPlatform } from '../../infra/local/local-platform';

/**
 * Tells the requests of the platform's stream triggers and schedules (which run in this
 * process, on the same SDK clients as the API handlers) from the API calls': their
 * handlers run inside `backgroundScope`, and their invocations and time are counted.
 *
 * The local platform does not expose its handlers, so this wraps them through private
 * fields of StreamTrigger (`o.handler`) and Scheduler (`entries[].fn.handler`). When those
 * change, `tagBackgroundWork` wraps nothing and says so; background requests are then
 * counted with the API calls'.
 */
export const backgroundScope = new AsyncLocalStorage<string>();

export interface BackgroundInvocations {
  /** Invocations and handler milliseconds per function name. */
  functions: Record<string, { invocations: number; ms: number }>;
}

export class BackgroundWork {
  private readonly stats: Record<string, { invocations: number; ms: number }> = {};

  constructor(readonly wrapped: string[]) {}

  snapshot(): BackgroundInvocations {
    return { functions: structuredClone(this.stats) };
  }

  diff(earlier: BackgroundInvocations, later: BackgroundInvocations): BackgroundInvocations {
    const functions: BackgroundInvocations['functions'] = {};
    for (const [name, after] of Object.entries(later.functions)) {
      const before = earlier.functions[name] ?? { invocations: 0, ms: 0 };
      if (after.invocations !== before.invocations) functions[name] = { invocations: after.invocations - before.invocations, ms: after.ms - before.ms };
    }
    return { functions };
  }

  record(name: string, ms: number): void {
    const entry = (this.stats[name] ??= { invocations: 0, ms: 0 });
    entry.invocations++;
    entry.ms += ms;
  }
}

type AnyHandler = (...args: unknown[]) => Promise<unknown>;

export function tagBackgroundWork(platform: LocalPlatform): BackgroundWork {
  const wrapped: string[] = [];
  const work = new BackgroundWork(wrapped);
  const wrap = (name: string, handler: AnyHandler): AnyHandler => {
    wrapped.push(name);
    return (...args: unknown[]) =>
      backgroundScope.run(name, async () => {
        const t0 = performance.now();
        try {
          return await handler(...args);
        } finally {
          work.record(name, performance.now() - t0);
        }
      });
  };
  for (const [name, trigger] of platform.triggers) {
    const options = (trigger as unknown as { o?: { handler?: AnyHandler } }).o;
    if (options && typeof options.handler === 'function') options.handler = wrap(name, options.handler);
  }
  const entries = (platform.schedules as unknown as { entries?: Map<string, { fn?: { name: string; handler?: AnyHandler } }> }).entries;
  if (entries instanceof Map) {
    for (const entry of entries.values()) {
      if (entry.fn && typeof entry.fn.handler === 'function') entry.fn.handler = wrap(entry.fn.name, entry.fn.handler);
    }
  }
  return work;
}
