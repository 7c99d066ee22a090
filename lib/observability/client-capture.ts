/**
 * The seam through which the handlers' tracer instruments the SDK clients lib/
 * creates, without lib/ knowing about X-Ray: functions/middleware/observability.ts
 * installs `tracer.captureAWSv3Client` when tracing is on, so every DynamoDB, S3
 * and Lambda call becomes a subsegment. Nothing installed (tests, `npm start`,
 * tracing off) leaves clients untouched.
 */
export type ClientCapture = <Client extends object>(client: Client) => Client;

let capture: ClientCapture | undefined;

/** Replaces how new clients are captured; `undefined` restores none. */
export function setClientCapture(next: ClientCapture | undefined): void {
  capture = next;
}

/** The client as the installed capture returns it (the same object, instrumented), else unchanged. */
export function captureClient<Client extends object>(client: Client): Client {
  return capture ? capture(client) : client;
}
