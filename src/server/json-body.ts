/**
 * JSON request bodies with their nesting bounded while they are read: a body nested deeper than
 * the bound is a 400 naming it, before JSON.parse builds anything (deep nesting otherwise reaches
 * the stack in zod, in JSON.stringify or in SQLite's JSON functions). The scan is one pass over
 * the text, skipping strings; parsing then is Fastify's own (which refuses `__proto__`).
 */
import type { FastifyInstance } from 'fastify';

/** Objects and arrays inside each other in one body. */
export const MAXIMUM_JSON_DEPTH = 32;

/** Why a JSON text nests too deeply, or undefined. Linear in its length; strings are skipped. */
export function jsonDepthProblem(text: string, maximumDepth = MAXIMUM_JSON_DEPTH): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maximumDepth) return `the JSON body nests objects and arrays more than ${maximumDepth} deep, the limit (at character ${i})`;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

/** JSON.parse with the nesting bound; throws a SyntaxError-like Error with the reason. */
export function parseBoundedJson(text: string, maximumDepth = MAXIMUM_JSON_DEPTH): unknown {
  const problem = jsonDepthProblem(text, maximumDepth);
  if (problem) throw new Error(problem);
  return JSON.parse(text) as unknown;
}

const registered = new WeakSet<FastifyInstance>();

/** Replace an app's JSON body parser with the bounded one (once per app). */
export function registerBoundedJson(app: FastifyInstance, maximumDepth = MAXIMUM_JSON_DEPTH): void {
  if (registered.has(app)) return;
  registered.add(app);
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const problem = jsonDepthProblem(body as string, maximumDepth);
    if (problem) return done(Object.assign(new Error(problem), { statusCode: 400 }), undefined);
    return parse(request, body as string, done);
  });
}
