/**
 * JSON over HTTP for the viewer's API clients (assets, network analyses, impact, lifecycle). A
 * failed request becomes an ApiError carrying the status and the server's own message, so a
 * panel can show "no asset "X"" rather than "HTTP 404".
 */

export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** GET a JSON document; throws ApiError (with the server's message) on a status other than 2xx. */
export async function getJson<T>(url: string, init?: { signal?: AbortSignal }): Promise<T> {
  const response = await fetch(url, { cache: 'no-store', signal: init?.signal });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const body = (await response.json()) as { message?: unknown };
      if (typeof body.message === 'string' && body.message) message = body.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(url, response.status, message);
  }
  return (await response.json()) as T;
}

/** `${base}/${path}?query`, leaving out undefined parameters. */
export function apiUrl(base: string, path: string, query: Record<string, string | number | undefined> = {}): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) parameters.set(name, String(value));
  const search = parameters.toString();
  return `${base.replace(/\/+$/, '')}/${path}${search ? `?${search}` : ''}`;
}
