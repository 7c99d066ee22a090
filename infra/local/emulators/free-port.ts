import { createServer } from 'node:net';

/** Resolves when `port` can be bound on `host`; rejects with EADDRINUSE otherwise. Port 0 picks a free port. */
export function reservePort(port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}
