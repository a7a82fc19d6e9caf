/**
 * Liveness and readiness for a load balancer or an orchestrator, as Kubernetes names them:
 * `GET /healthz` is 200 while the process serves HTTP at all; `GET /readyz` is 200 only when every
 * dependency check passes (each database, the broker), else 503 with the failing checks and their
 * reasons, so a balancer takes the process out of rotation until it recovers by itself.
 */
import type { FastifyInstance } from 'fastify';

/** A named dependency check: resolves when the dependency answers, throws (or times out) when not. */
export type HealthCheck = () => Promise<unknown>;

export interface HealthOptions {
  checks: Record<string, HealthCheck>;
  /** How long one check may take before it counts as failed. Default 2 s. */
  timeoutMilliseconds?: number;
  /** The cluster singletons this process holds now (shown by /healthz). */
  roles?: () => string[];
}

export interface CheckResult {
  ok: boolean;
  milliseconds: number;
  error?: string;
}

/** Runs every check at once, each bounded by the timeout. */
export async function runChecks(checks: Record<string, HealthCheck>, timeoutMilliseconds = 2_000): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMilliseconds} ms`)), timeoutMilliseconds);
          }),
        ]);
        return [name, { ok: true, milliseconds: Math.round(performance.now() - started) }];
      } catch (error) {
        return [name, { ok: false, milliseconds: Math.round(performance.now() - started), error: (error as Error).message }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

export function registerHealth(app: FastifyInstance, options: HealthOptions): void {
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok', ...(options.roles ? { roles: options.roles() } : {}) };
  });
  app.get('/readyz', async (_request, reply) => {
    const checks = await runChecks(options.checks, options.timeoutMilliseconds);
    const ready = Object.values(checks).every((c) => c.ok);
    reply.header('cache-control', 'no-store');
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks };
  });
}
