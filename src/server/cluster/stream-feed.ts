/**
 * The stream of a cluster (issue 21): every server process on one PostgreSQL database sends its
 * SSE clients every process's writes, in one order, each once. PostgreSQL does the work:
 *  - every write group holds one advisory lock until its commit (postgres-store.ts), so ids are
 *    given in commit order across the processes: the stream cursor ("<observation id>.<incident
 *    event id>") is global, and a client moved to another process resumes from it with no gap;
 *  - each group sends `NOTIFY sta_stream` with its last ids (and its first observation's), delivered at commit, in commit order;
 *  - each process LISTENs, reads what lies between its cursor and the notified ids back from the
 *    database, and hands it to its hub. Its own writes come back the same way, so every process
 *    sends the same messages in the same order; notifications that arrive while a read runs are
 *    taken together by the next read;
 *  - changes of cases and lifecycle records come on a second channel (`cim_changes`, sent by the
 *    process that made them after its commit) and are announced between the writes in the order
 *    PostgreSQL delivered them, the same for every listener.
 * A lost LISTEN connection is made again every `reconnectMilliseconds`, and what was committed
 * meanwhile is read up to the database's newest ids, so nothing is lost while it was away.
 *
 * Bounded, whatever lies between the cursor and the notified ids (rows loaded behind the servers'
 * backs, by COPY or INSERT, take ids and send no notification: the next write's notification
 * names them all):
 *  - observations are read `chunkSize` at a time and each chunk is delivered before the next is
 *    read (the writes waiting for the stream are answered as it passes them); the incident
 *    changes go with the last chunk;
 *  - more than `maximumGap` observations before the first one notified (rows no write group
 *    notified: ids in commit order, so the rows between the cursor and a group's first id that no
 *    earlier notification named were committed by something else) are not read: the clients are
 *    sent a `reset` naming the REST query of what they would have been sent (stream.ts), and the
 *    feed goes on with the notified writes.
 */
import pg from 'pg';
import type { StoredObservation, WriteResult } from '../sensorthings/database.ts';
import type { IncidentChange } from '../sensorthings/incident-engine.ts';
import type { StreamChange } from '../../domain/monitoring/api.ts';

/** The channel of the write groups' notifications, `{"o": last observation id, "f": first observation id, "e": last incident event id, "entities": n}`, sent at commit. */
export const STREAM_CHANNEL = 'sta_stream';

/** The channel of the changes of cases and lifecycle records (`StreamChange` as JSON), sent by whichever process made them. */
export const CHANGE_CHANNEL = 'cim_changes';

export interface StreamCursor {
  observation: number;
  incidentEvent: number;
}

/** What the feed reads from (the PostgreSQL monitoring store). */
export interface FeedSource {
  /** At most `limit` observations with ids in (afterId, upToId], in id order, as the stream publishes them. */
  observationsAfter(afterId: number, limit: number, upToId: number): Promise<StoredObservation[]>;
  /** The id `offset` places past afterId (0: the next one); undefined when there are not that many. */
  observationIdAfter(afterId: number, offset: number): Promise<number | undefined>;
  /** Each incident changed by events in (afterEventId, upToEventId], with its newest event's id (limit -1: all). */
  incidentChangesAfter(afterEventId: number, limit: number, upToEventId: number): Promise<IncidentChange[]>;
  lastObservationId(): Promise<number>;
  lastIncidentEventId(): Promise<number>;
  /** Another process's group changed Things, Locations or Datastreams: cached datastreams are read again. */
  noteRemoteEntities(entities: number): void;
}

/** Where the feed delivers (the stream hub). */
export interface FeedTarget {
  deliver(result: WriteResult): void;
  announce(change: StreamChange): void;
  /** Observations (fromId, toId] are not streamed: tell every client where to read them (a `reset`). */
  skipObservations(fromId: number, toId: number, reason: string): void;
}

export interface StreamFeedOptions {
  /** postgres:// URL of the cluster's database. */
  url: string;
  /** The channel the write groups notify (postgres-store.ts STREAM_CHANNEL). */
  channel: string;
  source: FeedSource;
  target: FeedTarget;
  /** The hub's cursor when the feed starts. */
  cursor: StreamCursor;
  log?: (message: string) => void;
  /** Between attempts to listen again. Default 1 s. */
  reconnectMilliseconds?: number;
  /** How long a write waits for the stream to send it before it is answered anyway. Default 2 s. */
  waitMilliseconds?: number;
  /** Observations per read (each delivered before the next read). Default 10,000. */
  chunkSize?: number;
  /** More observations than this between the cursor and the notified ids are not read: the clients get a reset. Default 100,000. */
  maximumGap?: number;
}

const after = (a: StreamCursor, b: StreamCursor) => a.observation > b.observation || a.incidentEvent > b.incidentEvent;
const maximum = (a: StreamCursor, b: StreamCursor): StreamCursor => ({ observation: Math.max(a.observation, b.observation), incidentEvent: Math.max(a.incidentEvent, b.incidentEvent) });

export class StreamFeed {
  private client: pg.Client | undefined;
  private cursor: StreamCursor;
  /** What to send, in the order PostgreSQL delivered it: reads up to notified ids, and announced changes. */
  private readonly queue: ({ to: StreamCursor; first: number | null } | { change: StreamChange })[] = [];
  private reading: Promise<void> | undefined;
  private readonly waiters = new Set<{ until: StreamCursor; resolve: () => void; timer: NodeJS.Timeout }>();
  /** Changes this process announced, by their nonce, waiting to come back through the database. */
  private readonly ownChanges = new Map<string, (seen: boolean) => void>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Notifications received and reads made since start (tests and the bench). */
  readonly statistics = { notifications: 0, reads: 0, reconnects: 0, chunks: 0, largestChunk: 0, skipped: 0 };
  /** Whether the feed is listening now (/readyz). */
  listening = false;
  lastError: string | undefined;

  constructor(private readonly options: StreamFeedOptions) {
    this.cursor = { ...options.cursor };
  }

  /**
   * Read up to these ids next (merged with a read already waiting at the end of the queue). `first`:
   * the first observation id that a write group notified in what is to be read (Infinity: none;
   * null: not known, as after LISTEN is made again).
   */
  private readUpTo(to: StreamCursor, first: number | null): void {
    const last = this.queue.at(-1);
    if (last && 'to' in last) {
      last.to = maximum(last.to, to);
      last.first = last.first === null || first === null ? null : Math.min(last.first, first);
    } else this.queue.push({ to, first });
  }

  /** Listens, then reads what was committed since the hub's cursor was taken. */
  async start(): Promise<void> {
    await this.listen();
  }

  /** Resolves once the stream has sent a write of this process (or after `waitMilliseconds`). */
  until(result: WriteResult): Promise<void> {
    const until: StreamCursor = { observation: 0, incidentEvent: 0 };
    let first = Infinity;
    for (const o of result.observations) {
      until.observation = Math.max(until.observation, o.id);
      first = Math.min(first, o.id);
    }
    for (const c of result.incidents) until.incidentEvent = Math.max(until.incidentEvent, c.eventId);
    if (!after(until, this.cursor)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { until, resolve, timer: setTimeout(() => this.release(waiter), this.options.waitMilliseconds ?? 2_000) };
      waiter.timer.unref();
      this.waiters.add(waiter);
      // The notification may already have come and gone: read now too.
      this.readUpTo(until, first);
      this.pump();
    });
  }

  /**
   * Resolves true once a change this process announced (with this nonce in its payload) has come
   * back through the database and been sent, false if it has not within `timeoutMilliseconds`
   * (the caller then sends it to this process's clients itself).
   */
  changeSent(nonce: string, timeoutMilliseconds = 2_000): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMilliseconds);
      timer.unref();
      const finish = (seen: boolean) => {
        clearTimeout(timer);
        this.ownChanges.delete(nonce);
        resolve(seen);
      };
      this.ownChanges.set(nonce, finish);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const finish of [...this.ownChanges.values()]) finish(false);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const waiter of this.waiters) this.release(waiter);
    await this.reading?.catch(() => {});
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => {});
  }

  private release(waiter: { resolve: () => void; timer: NodeJS.Timeout }): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter as never);
    waiter.resolve();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 5_000, application_name: 'cim-twin stream feed' });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'connection ended'));
    client.on('notification', (message) => {
      if (!message.payload) return;
      this.statistics.notifications++;
      try {
        if (message.channel === CHANGE_CHANNEL) this.queue.push({ change: JSON.parse(message.payload) as StreamChange });
        else if (message.channel === this.options.channel) {
          const { o, f, e, entities } = JSON.parse(message.payload) as { o: number; f?: number; e: number; entities: number };
          this.options.source.noteRemoteEntities(entities);
          // A group of an older version names no first id: not known.
          this.readUpTo({ observation: o, incidentEvent: e }, o === 0 ? Infinity : (f ?? null));
        } else return;
      } catch {
        return;
      }
      this.pump();
    });
    await client.connect();
    await client.query(`LISTEN ${this.options.channel}; LISTEN ${CHANGE_CHANNEL}`);
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.listening = true;
    this.lastError = undefined;
    // Committed before LISTEN took effect (or while the connection was away): up to the newest ids.
    const newest = { observation: await this.options.source.lastObservationId(), incidentEvent: await this.options.source.lastIncidentEventId() };
    this.readUpTo(newest, null);
    this.pump();
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.listening = false;
    this.lastError = reason;
    this.options.log?.(`stream feed: ${reason}; listening again shortly`);
    void client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.statistics.reconnects++;
      this.listen().catch((error: unknown) => {
        this.lastError = (error as Error).message;
        this.scheduleReconnect();
      });
    }, this.options.reconnectMilliseconds ?? 1_000);
    this.reconnectTimer.unref();
  }

  /** Read from the cursor to these ids and deliver it: observations chunk by chunk, the incident changes with the last. */
  private async readTo(to: StreamCursor, first: number | null): Promise<void> {
    const { source, target } = this.options;
    const chunkSize = this.options.chunkSize ?? 10_000;
    const maximumGap = this.options.maximumGap ?? 100_000;
    // The rows before the first notified one that no notification named: committed by something else. (A write of
    // this process waiting for the stream names its own first id, possibly before the notifications of other
    // processes' groups committed just before it have arrived: those few groups, each at most `groupCommitRows`,
    // stay far under the bound.)
    const unnotified = first === null ? 0 : Math.min(first - 1, to.observation);
    if (unnotified - this.cursor.observation > maximumGap) {
      // Ids may skip (a rolled-back write keeps its ids): count the rows themselves, up to the bound.
      const past = await source.observationIdAfter(this.cursor.observation, maximumGap);
      if (past !== undefined && past <= unnotified) {
        const from = this.cursor.observation;
        this.statistics.skipped += 1;
        target.skipObservations(from, unnotified, `more than ${maximumGap.toLocaleString('en')} observations were committed without a write of the servers (a bulk load?), more than the stream sends`);
        this.cursor = { ...this.cursor, observation: unnotified };
        this.releasePassed();
        this.options.log?.(`stream feed: observations ${from + 1}–${unnotified} not streamed (more than ${maximumGap} committed by no write group): clients were sent a reset`);
      }
    }
    while (!this.closed) {
      const observations = this.cursor.observation < to.observation ? await source.observationsAfter(this.cursor.observation, chunkSize, to.observation) : [];
      const last = observations.length < chunkSize || observations.at(-1)!.id >= to.observation;
      const incidents = last && to.incidentEvent > this.cursor.incidentEvent ? await source.incidentChangesAfter(this.cursor.incidentEvent, -1, to.incidentEvent) : [];
      if (observations.length) {
        this.statistics.chunks++;
        this.statistics.largestChunk = Math.max(this.statistics.largestChunk, observations.length);
      }
      this.cursor = last ? maximum(this.cursor, to) : { ...this.cursor, observation: observations.at(-1)!.id };
      target.deliver({ observations, incidents });
      this.releasePassed();
      if (last) return;
    }
  }

  private releasePassed(): void {
    for (const waiter of this.waiters) if (!after(waiter.until, this.cursor)) this.release(waiter);
  }

  /** The queue in order, one read at a time, each read from the cursor to its ids. */
  private pump(): void {
    if (this.reading || this.closed || !this.queue.length) return;
    this.reading = (async () => {
      while (!this.closed && this.queue.length) {
        const item = this.queue[0]!;
        if ('change' in item) {
          this.queue.shift();
          const { nonce, ...change } = item.change as StreamChange & { nonce?: string };
          this.options.target.announce(change);
          if (nonce) this.ownChanges.get(nonce)?.(true);
          continue;
        }
        if (!after(item.to, this.cursor)) {
          this.queue.shift();
          continue;
        }
        // Taken off the queue only once read: a failed read is tried again from the cursor (which
        // moves with each chunk delivered).
        await this.readTo({ ...item.to }, item.first);
        this.statistics.reads++;
      }
    })()
      .catch((error: unknown) => {
        // The database away: the reconnecting LISTEN (or the next notification) reads again.
        this.lastError = (error as Error).message;
        this.options.log?.(`stream feed: ${this.lastError}`);
        if (!this.closed) setTimeout(() => this.pump(), this.options.reconnectMilliseconds ?? 1_000).unref();
      })
      .finally(() => {
        this.reading = undefined;
      });
  }
}
