import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../store/aws-clients';
import type { PushTarget } from '../store/subscription-items';
import { describeFailure, targetLabel } from './failure-reason';
import { signatureHeaders } from './signature';

/**
 * One delivery attempt: resolves on acknowledgement, rejects with the reason otherwise.
 * `id` names the delivery (the same on every retry of the same records: see deliveryId).
 */
export type Deliver = (target: PushTarget, secret: string, body: string, id: string) => Promise<void>;

export const DELIVERY_TIMEOUT_MS = 10_000;

let lambda: LambdaClient | undefined;

/**
 * Delivers to an HTTPS endpoint (a 2xx acknowledges; the body is signed with the
 * subscription's secret, as Standard Webhooks and in the legacy sluice-signature) or
 * invokes a Lambda function synchronously (acknowledged unless it returns a function
 * error). Bounded by a timeout, so a slow target fails
 * the attempt instead of holding the dispatcher.
 */
export const deliverToTarget: Deliver = async (target, secret, body, id) => {
  if (target.type === 'https') {
    // The reason becomes the lease's lastError and the dead letters' sluice.dlq.error, so it names the target and the cause.
    const failed = (what: string, cause?: unknown) => new Error(`target ${targetLabel(target.url)}: ${what}`, { cause });
    let response: Response;
    try {
      response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signatureHeaders(secret, id, body, Date.now()) },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw failed(timedOut ? `no answer within ${DELIVERY_TIMEOUT_MS} ms (TimeoutError)` : withoutUrl(describeFailure(error), target.url), error);
    }
    // Drained, not kept: a response body is not shown, so the target cannot be used to read what another host answers.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw failed(`answered HTTP ${response.status}`);
    return;
  }
  // Region, credentials and endpoint (AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL) come from the environment, read by the SDK.
  lambda ??= createLambdaClient();
  // The reason becomes the lease's lastError and the dead letters' sluice.dlq.error, so it names the function.
  const failed = (what: string, cause?: unknown) => new Error(`Lambda ${target.functionArn}: ${what}`, { cause });
  const result = await lambda
    .send(new InvokeCommand({ FunctionName: target.functionArn, Payload: Buffer.from(body) }), { abortSignal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) })
    .catch((error: unknown) => {
      throw failed(error instanceof Error ? `${error.name}: ${error.message}` : String(error), error);
    });
  if (result.FunctionError) throw failed(`function error (${result.FunctionError}): ${Buffer.from(result.Payload ?? []).toString().slice(0, 500)}`);
};

/** A reason with the full target URL (fetch quotes it, credentials and all) shortened to its label. */
function withoutUrl(reason: string, url: string): string {
  const label = targetLabel(url);
  let href = url;
  try {
    href = new URL(url).href;
  } catch {
    // not a URL: only the text as given can appear
  }
  return reason.replaceAll(url, label).replaceAll(href, label);
}
