/**
 * Cross-origin reads (CORS) from one allow-list, the same for every route of a server (API,
 * stream, lifecycle records, tiles). Default: none, so only pages of the server's own origin read
 * it. A viewer served from elsewhere is let in by naming its origin: `--cors-origins` or the
 * environment variable CORS_ORIGINS, comma-separated, e.g. `http://viewer.intranet:8080,https://cim.example`;
 * `*` lets every origin in (only for data that is public anyway).
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export const CORS_ALLOWED_HEADERS = ['Content-Type', 'X-API-Key', 'Authorization', 'Last-Event-ID'];

/** Read an allow-list: origins (scheme://host[:port]) or `*`, separated by commas or spaces. Throws naming a bad entry. */
export function parseCorsOrigins(text: string | undefined): string[] {
  const entries = (text ?? '').split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (entry === '*') continue;
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || origin === 'null' || origin !== entry.replace(/\/$/, '')) throw new Error(`CORS origin ${JSON.stringify(entry)}: give scheme://host[:port] with no path, e.g. http://viewer.intranet:8080, or *`);
  }
  return [...new Set(entries.map((e) => e.replace(/\/$/, '')))];
}

/** The origin of a public URL (…/v1.1), for the allow-list. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Whether an origin is on the list. */
export function corsAllows(origins: readonly string[], origin: string | undefined): boolean {
  return Boolean(origin) && (origins.includes('*') || origins.includes(origin!));
}

/** Register CORS for every route of an app from the allow-list. */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const list = [...origins];
  await app.register(cors, {
    origin: (origin, callback) => callback(null, corsAllows(list, origin)),
    allowedHeaders: CORS_ALLOWED_HEADERS,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'],
    exposedHeaders: ['Location', 'Retry-After'],
    maxAge: 600,
  });
}
