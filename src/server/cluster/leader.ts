/**
 * One holder across a cluster of server processes for a named singleton (the simulator, retention,
 * partition creation), chosen by PostgreSQL: a session-level advisory lock held on a connection of
 * its own (`pg_try_advisory_lock`). No home-made election protocol: the database decides, and
 * PostgreSQL releases the lock when the holder's session ends, so a process killed with -9 (its
 * socket closed by the kernel) or cut off from the database hands the role on by itself. The
 * others try again every `pollMilliseconds`, so take-over happens within about one poll after
 * PostgreSQL notices the session is gone.
 *
 * The holder checks its session on every poll and steps down (`onDeposed`) when that fails. Between
 * a network cut and that check a deposed holder may still believe it leads for up to one poll, so
 * work that must be done exactly once also fences itself in the database (a conditional UPDATE or
 * `FOR UPDATE SKIP LOCKED` on the row it acts on); the lock decides who runs the loop, not whether a
 * row was handled.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

/** The first key of every cim-twin advisory lock (ASCII "CIMT"), so they never clash with another application's. */
export const LOCK_NAMESPACE = 0x43494d54;

/** The advisory lock's second key for a singleton's name: the first 4 bytes of its SHA-256, as a signed int4. */
export function lockKey(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

export interface LeaderOptions {
  /** postgres:// URL of the cluster's database. */
  url: string;
  /** The singleton's name ("simulator", "retention"); processes with the same name compete. */
  name: string;
  /** How often a follower tries to take over and the holder checks its session. Default 2 s. */
  pollMilliseconds?: number;
  /** Called once each time this process becomes the holder. */
  onElected?: () => void | Promise<void>;
  /** Called when this process stops being the holder (session lost, or `stop()`). */
  onDeposed?: (reason: string) => void | Promise<void>;
}

export type LeaderState = 'stopped' | 'following' | 'leading';

export class ClusterLeader {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: LeaderState = 'stopped';
  private ticking: Promise<void> | undefined;
  private readonly key: number;
  private readonly poll: number;
  /** Why the last attempt to reach the database failed, for /readyz and the log. */
  lastError: string | undefined;

  constructor(private readonly options: LeaderOptions) {
    this.key = lockKey(options.name);
    this.poll = options.pollMilliseconds ?? 2_000;
  }

  get state(): LeaderState {
    return this.current;
  }

  get isLeader(): boolean {
    return this.current === 'leading';
  }

  /** Starts competing; resolves after the first attempt (so a lone process leads on return). */
  async start(): Promise<void> {
    if (this.current !== 'stopped') return;
    this.current = 'following';
    await this.tick();
    this.schedule();
  }

  /** Stops competing and releases the role (the session ends, so PostgreSQL frees the lock). */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    const wasLeading = this.current === 'leading';
    this.current = 'stopped';
    await this.dropClient();
    if (wasLeading) await this.options.onDeposed?.('stopped');
  }

  private schedule(): void {
    if (this.current === 'stopped') return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.poll);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    this.ticking = this.attempt();
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    if (this.current === 'stopped') return;
    try {
      if (this.current === 'leading') {
        // The lock lives as long as this session: a failed query means it is gone.
        await this.client!.query('SELECT 1');
        return;
      }
      const client = await this.connection();
      const result = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [LOCK_NAMESPACE, this.key]);
      this.lastError = undefined;
      if (result.rows[0]?.held && this.current === 'following') {
        this.current = 'leading';
        await this.options.onElected?.();
      }
    } catch (error) {
      this.lastError = (error as Error).message;
      await this.lose(`database session lost: ${this.lastError}`);
    }
  }

  private async lose(reason: string): Promise<void> {
    const wasLeading = this.current === 'leading';
    if (this.current !== 'stopped') this.current = 'following';
    await this.dropClient();
    if (wasLeading) await this.options.onDeposed?.(reason);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 5_000, application_name: `cim-twin leader ${this.options.name}` });
    // A broken socket is reported here between queries; the next poll finds the session gone.
    client.on('error', (error) => {
      this.lastError = error.message;
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
