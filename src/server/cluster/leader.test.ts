/**
 * The cluster singleton on a real PostgreSQL: one holder among competitors, take-over when the
 * holder's session is terminated or its process is killed with -9, and health answers.
 */
import { spawn } from 'node:child_process';
import Fastify from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_URL, postgresReachable } from '../assets/testing/postgres.ts';
import { ClusterLeader, LOCK_NAMESPACE, lockKey } from './leader.ts';
import { registerHealth, runChecks } from './health.ts';

const reachability = await postgresReachable();
if (!reachability.reachable) {
  if (process.env.CI) throw new Error(`CI must run the cluster tests: ${reachability.reason}`);
  console.warn(`cluster leader: skipping: ${reachability.reason}`);
}

/** Waits until `condition` holds, polling; fails with `what` after `milliseconds`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, milliseconds = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > milliseconds) throw new Error(`not within ${milliseconds} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

/** The pids of the sessions that hold a singleton's lock. */
async function holders(admin: pg.Client, name: string): Promise<number[]> {
  const result = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::oid AND objid = $2::oid AND objsubid = 2",
    [LOCK_NAMESPACE, lockKey(name) >>> 0],
  );
  return result.rows.map((r) => r.pid);
}

describe.runIf(reachability.reachable)('cluster singleton (PostgreSQL advisory lock)', () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  const started: ClusterLeader[] = [];
  const leader = (name: string, events: string[], tag: string) => {
    const l = new ClusterLeader({ url: ADMIN_URL, name, pollMilliseconds: 100, onElected: () => void events.push(`${tag} elected`), onDeposed: (why) => void events.push(`${tag} deposed: ${why}`) });
    started.push(l);
    return l;
  };
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(started.map((l) => l.stop()));
    await admin.end();
  });

  test('lock keys are stable, distinct per name, and int4', () => {
    expect(lockKey('simulator')).toBe(lockKey('simulator'));
    expect(lockKey('simulator')).not.toBe(lockKey('retention'));
    for (const name of ['simulator', 'retention', 'partitions']) {
      expect(Number.isInteger(lockKey(name))).toBe(true);
      expect(Math.abs(lockKey(name))).toBeLessThan(2 ** 31 + 1);
    }
  });

  test('of three competitors exactly one leads; when its session is terminated another takes over', async () => {
    const name = `test-${process.pid}-${Date.now()}`;
    const events: string[] = [];
    const [a, b, c] = [leader(name, events, 'a'), leader(name, events, 'b'), leader(name, events, 'c')];
    await Promise.all([a.start(), b.start(), c.start()]);
    const leading = () => [a, b, c].filter((l) => l.isLeader);
    expect(leading()).toHaveLength(1);
    expect(await holders(admin, name)).toHaveLength(1);
    const first = leading()[0]!;
    // Cut the holder off as a failed host would be: its backend ends under it.
    const [pid] = await holders(admin, name);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(() => leading().length === 1 && leading()[0] !== first, 'another process takes over');
    await until(() => !first.isLeader, 'the old holder steps down');
    expect(events.filter((e) => e.endsWith('elected'))).toHaveLength(2);
    expect(events.some((e) => e.includes('deposed: database session lost'))).toBe(true);
    // The deposed process competes again and may lead later; never two at once.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(leading()).toHaveLength(1);
    expect(await holders(admin, name)).toHaveLength(1);
  });

  test('stop() hands the role on at once', async () => {
    const name = `test-stop-${process.pid}-${Date.now()}`;
    const events: string[] = [];
    const a = leader(name, events, 'a');
    await a.start();
    const b = leader(name, events, 'b');
    await b.start();
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    await a.stop();
    expect(a.state).toBe('stopped');
    await until(() => b.isLeader, 'b takes over after a stops', 2_000);
    expect(events).toEqual(['a elected', 'a deposed: stopped', 'b elected']);
  });

  test('kill -9 of the holding process: a follower takes over within 10 s', async () => {
    const name = `test-kill-${process.pid}-${Date.now()}`;
    // A separate Node process holds the lock, as another server of the cluster would.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { ClusterLeader } = await import(${JSON.stringify(new URL('./leader.ts', import.meta.url).pathname)});
      const l = new ClusterLeader({ url: ${JSON.stringify(ADMIN_URL)}, name: ${JSON.stringify(name)}, pollMilliseconds: 100, onElected: () => console.log('elected') });
      await l.start();
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await until(() => output.includes('elected'), 'the child process leads', 20_000);
      const events: string[] = [];
      const follower = leader(name, events, 'f');
      await follower.start();
      expect(follower.isLeader).toBe(false);
      child.kill('SIGKILL');
      const took = await until(() => follower.isLeader, 'the follower takes over after kill -9', 10_000);
      expect(took).toBeLessThan(10_000);
      expect(events).toEqual(['f elected']);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a database that does not answer: the competitor keeps following and says why', async () => {
    const events: string[] = [];
    const l = new ClusterLeader({ url: 'postgres://postgres@127.0.0.1:1/none', name: 'unreachable', pollMilliseconds: 100, onElected: () => void events.push('elected') });
    started.push(l);
    await l.start();
    expect(l.state).toBe('following');
    expect(l.lastError).toMatch(/ECONNREFUSED|connect/);
    expect(events).toEqual([]);
  });
});

describe('health routes', () => {
  test('/healthz is up; /readyz is 200 only when every check passes, else 503 naming the failure', async () => {
    let databaseUp = true;
    const app = Fastify();
    registerHealth(app, {
      timeoutMilliseconds: 200,
      checks: {
        database: async () => {
          if (!databaseUp) throw new Error('connection refused');
        },
        broker: async () => true,
      },
    });
    try {
      expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().status).toBe('ready');
      databaseUp = false;
      const down = await app.inject({ url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json().checks.database).toMatchObject({ ok: false, error: 'connection refused' });
      expect(down.json().checks.broker.ok).toBe(true);
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      databaseUp = true;
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('a check that hangs counts as failed after the timeout', async () => {
    const results = await runChecks({ stuck: () => new Promise(() => {}), quick: async () => 1 }, 100);
    expect(results.stuck).toMatchObject({ ok: false, error: 'no answer within 100 ms' });
    expect(results.quick?.ok).toBe(true);
  });
});
