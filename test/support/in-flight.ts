/**
 * Counts how many of a client's requests of the named commands are in flight at once, so
 * a test can tell requests sent together from requests sent one after another. Attach it
 * to several clients to count across them.
 */
export class InFlightMeter {
  /** The most requests in flight at once since the last reset. */
  max = 0;
  /** Requests started since the last reset. */
  started = 0;
  private current = 0;

  attach(client: { middlewareStack: { add: (middleware: any, options: { step: 'initialize' }) => void } }, commands: readonly string[]): this {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        if (!commands.includes(String(context.commandName))) return next(args);
        this.started++;
        this.max = Math.max(this.max, ++this.current);
        try {
          return await next(args);
        } finally {
          this.current--;
        }
      },
      { step: 'initialize' },
    );
    return this;
  }

  reset(): void {
    this.max = 0;
    this.started = 0;
  }
}
