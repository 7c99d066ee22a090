import { Agent, request } from 'node:http';
import type { WireRequest } from './request';

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/**
 * Sends a request exactly as built: node:http keeps the path as written (fetch would
 * normalise `..` and `%2e%2e` away). Keep-alive, so thousands of requests stay cheap.
 */
export class WireClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  send(wire: WireRequest, timeoutMs = 60_000): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...wire.headers };
      if (wire.body) headers['content-length'] = wire.body.byteLength;
      const req = request({ host: this.host, port: this.port, method: wire.method, path: wire.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers: flat, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(wire.body);
    });
  }

  /** A JSON call for the harness itself (fixtures, state): answers status and parsed body. */
  async json(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await this.send({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    });
    let parsed: unknown;
    try {
      parsed = response.text ? JSON.parse(response.text) : undefined;
    } catch {
      parsed = response.text;
    }
    return { status: response.status, body: parsed };
  }

  close(): void {
    this.agent.destroy();
  }
}
