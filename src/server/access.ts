/**
 * Who may call what. One hook decides, on the route the router matched (never on the raw URL:
 * `/v1%2E1/Stream` is routed to `/v1.1/Stream`, so it is checked as that route). A route that
 * serves data says so in its config (`{ access: 'data' }`): its writes need a key, and its reads
 * too when the server is configured for keyed reads. Routes without it (the viewer's files and
 * the tiles) are public.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** "data": the monitoring or lifecycle API, behind the keys. */
    access?: 'data';
  }
}

export interface AccessOptions {
  /** Keys accepted (X-API-Key or Authorization: Bearer). Empty: every write is refused. */
  apiKeys: string[];
  /** Reads of data routes need a key too. */
  readsNeedKey?: boolean;
}

/** The config a data route registers with. */
export const DATA_ROUTE = { config: { access: 'data' as const } };

class AccessError extends Error {
  readonly statusCode = 401;
}

function requestKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
}

/** Whether a request carries one of the keys, compared in constant time. */
export function hasValidKey(request: FastifyRequest, keys: string[]): boolean {
  const candidate = requestKey(request);
  if (!candidate) return false;
  const given = Buffer.from(candidate);
  return keys.some((key) => {
    const expected = Buffer.from(key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

const registered = new WeakSet<FastifyInstance>();

/** Add the access hook to an app (once; the options of the first call hold). */
export function registerAccess(app: FastifyInstance, options: AccessOptions): void {
  if (registered.has(app)) return;
  registered.add(app);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.access !== 'data' || request.method === 'OPTIONS') return;
    const write = request.method !== 'GET' && request.method !== 'HEAD';
    if ((write || options.readsNeedKey) && !hasValidKey(request, options.apiKeys)) {
      throw new AccessError(write ? 'writes need an API key (X-API-Key or Authorization: Bearer)' : 'this server needs an API key for reads (X-API-Key or Authorization: Bearer)');
    }
  });
}
