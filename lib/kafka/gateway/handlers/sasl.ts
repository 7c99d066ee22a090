import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthConfig } from '../../../auth/auth-config';
import { principalOf } from '../../../auth/principal';
import { KAFKA_ERRORS } from '../../error-codes';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../messages/sasl-authenticate';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../../messages/sasl-handshake';
import { AnswerThenClose, type RequestContext, type Session } from '../session';

export const PLAIN = 'PLAIN';

/**
 * How long a failed authentication waits before its answer (and the close), as Kafka's
 * `connection.failed.authentication.delay.ms` (100 ms by default): a misconfigured
 * client reconnecting in a loop, or a guesser, gets one try per this long per connection.
 */
export const FAILED_AUTHENTICATION_DELAY_MS = 100;

/**
 * The SASL mechanisms a gateway enables. PLAIN carries the HTTP API's bearer tokens, so
 * it is on where those exist (`token`) and, as a no-op, with `none` (a client configured
 * for SASL still connects, anonymously, as an HTTP caller's Authorization header is
 * ignored in that mode). With `iam` or `jwt` the HTTP API has no tokens and API Gateway
 * authenticates; the gateway cannot verify either identity itself, so it enables none
 * (docs/design.md, "Kafka gateway", "Authentication").
 */
export function enabledMechanisms(auth: AuthConfig): string[] {
  return auth.mode === 'token' || auth.mode === 'none' ? [PLAIN] : [];
}

/**
 * SaslHandshake v1: picks the mechanism SaslAuthenticate will carry. One handshake per
 * connection, before anything but ApiVersions; a second one is ILLEGAL_SASL_STATE. An
 * unknown mechanism is UNSUPPORTED_SASL_MECHANISM with the enabled list. Both are
 * answered and then the connection is closed, as a broker does.
 */
export async function handleSaslHandshake(request: SaslHandshakeRequest, { session, header }: RequestContext): Promise<SaslHandshakeResponse> {
  const mechanisms = enabledMechanisms(session.auth);
  if (session.sasl.step !== 'start') {
    throw new AnswerThenClose({ errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE, mechanisms }, 'SaslHandshake after the connection chose a mechanism or authenticated');
  }
  if (!mechanisms.includes(request.mechanism)) {
    const enabled = mechanisms.length > 0 ? mechanisms.join(', ') : `none with SLUICE_AUTH_MODE=${session.auth.mode}`;
    throw new AnswerThenClose({ errorCode: KAFKA_ERRORS.UNSUPPORTED_SASL_MECHANISM, mechanisms }, `SASL mechanism '${request.mechanism}' is not enabled (enabled: ${enabled})`);
  }
  // Set before the answer is written (this runs within the request's dispatch), so a v0 client's next frame is read as its PLAIN message.
  session.sasl = { step: 'mechanism', mechanism: request.mechanism, raw: header.apiVersion === 0 };
  return { errorCode: KAFKA_ERRORS.NONE, mechanisms };
}

/**
 * SaslAuthenticate with PLAIN (RFC 4616: `authzid NUL authcid NUL password`, UTF-8).
 * The password is a bearer token of the HTTP API, resolved to its principal by the same
 * lib/auth code the HTTP middleware uses (`principalOf` over an Authorization header), so
 * a principal has one set of tokens and one set of ACLs whichever way it connects. The
 * username (authcid) may be empty or must name that principal, and so may the authzid:
 * a client cannot act as anyone but its token's principal, and one whose username
 * disagrees with its token is told rather than silently let in as someone else.
 *
 * Success sets the connection's caller; every later request is authorized as that
 * principal, exactly as over HTTP. Failure is SASL_AUTHENTICATION_FAILED with a message,
 * then the connection is closed (Kafka's behaviour, which clients report as an
 * authentication error rather than retrying). With auth mode `none` any credentials are
 * accepted and the connection stays anonymous. No re-authentication (SessionLifetimeMs 0).
 */
export async function handleSaslAuthenticate(request: SaslAuthenticateRequest, { session }: RequestContext): Promise<SaslAuthenticateResponse> {
  const outcome = session.sasl.step === 'mechanism' && !session.sasl.raw ? authenticate(session, request.authBytes) : { errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE, message: 'SaslAuthenticate must follow one SaslHandshake v1' };
  const response = { errorCode: outcome.errorCode, errorMessage: outcome.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  if (outcome.errorCode === KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED) await sleep(FAILED_AUTHENTICATION_DELAY_MS);
  if (outcome.errorCode !== KAFKA_ERRORS.NONE) throw new AnswerThenClose(response, `SASL authentication failed: ${outcome.message}`);
  return response;
}

/**
 * Checks one PLAIN message (the SaslAuthenticate's, or after a v0 handshake the bare
 * frame's) and, when it holds, makes the connection's caller its principal. Synchronous:
 * the v0 path answers it within the frame's dispatch.
 */
export function authenticate(session: Session, message: Buffer): { errorCode: number; message: string | null } {
  const fail = (message: string) => ({ errorCode: KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED, message: `Authentication failed: ${message}` });
  const parts = parsePlain(message);
  if (!parts) return fail('a PLAIN message is authzid, username and password separated by NUL bytes');
  if (session.auth.mode !== 'none') {
    let principal: string;
    try {
      principal = principalOf({ headers: { authorization: `Bearer ${parts.password}` } }, session.auth);
    } catch {
      return fail("invalid token (the password must be one of the HTTP API's bearer tokens)");
    }
    if (parts.username !== '' && parts.username !== principal) return fail("the username must be empty or the token's principal");
    if (parts.authzid !== '' && parts.authzid !== principal) return fail("the authorization id must be empty or the token's principal");
    session.caller = { principal, config: session.auth };
  }
  session.sasl = { step: 'done' };
  return { errorCode: KAFKA_ERRORS.NONE, message: null };
}

/** The three fields of a PLAIN message, or undefined when it has not exactly three or is not UTF-8. */
export function parsePlain(bytes: Buffer): { authzid: string; username: string; password: string } | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const fields = text.split('\u0000');
  if (fields.length !== 3) return undefined;
  const [authzid, username, password] = fields as [string, string, string];
  return { authzid, username, password };
}
