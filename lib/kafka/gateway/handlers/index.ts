import type { KafkaApi } from '../../messages/api';
import { API_VERSIONS } from '../../messages/api-versions';
import { METADATA } from '../../messages/metadata';
import type { RequestContext } from '../session';
import { handleApiVersions } from './api-versions';
import { handleMetadata } from './metadata';

/** An API's codec and the handler that answers it. */
export interface Route<Request, Response> {
  readonly api: KafkaApi<Request, Response>;
  readonly handle: (request: Request, context: RequestContext) => Promise<Response>;
}

function route<Request, Response>(api: KafkaApi<Request, Response>, handle: Route<Request, Response>['handle']): Route<Request, Response> {
  return { api, handle };
}

/** One handler per API of lib/kafka/messages/supported-apis.ts (a test checks they match). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ROUTES: ReadonlyMap<number, Route<any, any>> = new Map(
  [route(API_VERSIONS, handleApiVersions), route(METADATA, handleMetadata)].map((r) => [r.api.key, r]),
);
