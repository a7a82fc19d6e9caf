/**
 * Where GETs run. better-sqlite3 is synchronous: a read on the main thread would hold every
 * other request (and the stream) for as long as it takes, and one scan of a big table takes
 * seconds. So reads run in a small pool of worker threads, each with its own connection: the
 * event loop only parses the options (bounded, microseconds) and sends the bytes it is handed.
 *  - Each read has a budget (entities, bytes, time: read.ts), checked in the worker as rows are
 *    read. A worker that overruns its time anyway (one long SQLite step) is ended and replaced,
 *    and the client gets the same 400 naming the time bound.
 *  - Reads wait in a bounded queue for a free worker; when it is full the answer is 503 with
 *    Retry-After, so a flood of heavy reads cannot grow memory without bound.
 * An in-memory database (":memory:") cannot be shared with a worker: its reads run in-process,
 * within the same budget, for tests and trials only.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { FastifyReply } from 'fastify';
import { DEFAULT_READ_BUDGET, ReadBudget, type ReadBudgetLimits } from './read.ts';
import { runReadJob, type ReadJob } from '../read-jobs.ts';
import type { ReadJobMessage, ReadResultMessage } from './read-worker.ts';

export interface ReadPoolOptions {
  /** Worker threads. Default 2. With as many again ending after overrunning their time, at most twice this run SQL. */
  workers?: number;
  /** Reads waiting for a worker before new ones get a 503. Default 64. */
  maximumQueuedReads?: number;
  /** How long a read may wait for a worker before it gets a 503. Default 10 s. */
  maximumQueueMilliseconds?: number;
  /** What one read may cost. */
  budget?: Partial<ReadBudgetLimits>;
  /** Where a worker's failure is reported. Default console.warn. */
  log?: (message: string) => void;
}

/** An answer to a GET, or why there is none (a 503: busy). */
export interface ReadAnswer {
  status: number;
  /** JSON bytes. */
  body: Uint8Array | string;
  headers?: Record<string, string>;
}

export interface ReadExecutor {
  read(job: ReadJob): Promise<ReadAnswer>;
  close(): Promise<void>;
  readonly limits: ReadBudgetLimits;
}

function busy(message: string): ReadAnswer {
  return { status: 503, headers: { 'Retry-After': '1' }, body: JSON.stringify({ code: 503, type: 'error', message }) };
}

function timeError(limits: ReadBudgetLimits): ReadAnswer {
  return { status: 400, body: JSON.stringify({ code: 400, type: 'error', message: `the read took longer than ${limits.maximumReadMilliseconds} ms, the limit of one read: narrow it with a $filter (on phenomenonTime, for example) or a smaller $top` }) };
}

/** Reads on the main thread (an in-memory database only). */
export class InProcessReads implements ReadExecutor {
  readonly limits: ReadBudgetLimits;
  constructor(private readonly db: Database, budget: Partial<ReadBudgetLimits> = {}) {
    this.limits = { ...DEFAULT_READ_BUDGET, ...budget };
  }

  async read(job: ReadJob): Promise<ReadAnswer> {
    const response = runReadJob(this.db, job, new ReadBudget(this.limits));
    return { status: response.status, body: response.json };
  }

  async close(): Promise<void> {}
}

interface Job {
  message: ReadJobMessage;
  queueTimer?: NodeJS.Timeout;
  resolve(answer: ReadAnswer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

// The worker is TypeScript: tsx's API loads it, whether or not this process itself runs under tsx.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then(({ tsImport }) => tsImport(workerData.entry, workerData.entry));
`;

let tsxApi: string | undefined;

/** tsx's ESM API entry, from its package's exports (require.resolve would give the CommonJS one). */
function tsxApiUrl(): string {
  if (!tsxApi) {
    const require = createRequire(import.meta.url);
    const manifestPath = require.resolve('tsx/package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
    tsxApi = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api']!.import.default)).href;
  }
  return tsxApi;
}

/** How much longer than its time bound a worker may stay on one read before it is ended. */
const OVERRUN_GRACE_MILLISECONDS = 1_000;

export class ReadWorkerPool implements ReadExecutor {
  readonly limits: ReadBudgetLimits;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly maximumQueued: number;
  private readonly maximumQueueMilliseconds: number;
  private nextId = 1;
  private closed = false;
  private readonly size: number;
  /** Workers ended but not yet gone. */
  private ending = 0;
  /** Workers ended for overrunning their time bound, since start. */
  replacedWorkers = 0;
  private startFailures = 0;
  private refillTimer?: NodeJS.Timeout;
  private readonly log: (message: string) => void;

  constructor(private readonly databasePath: string, options: ReadPoolOptions = {}) {
    this.limits = { ...DEFAULT_READ_BUDGET, ...options.budget };
    this.maximumQueued = options.maximumQueuedReads ?? 64;
    this.maximumQueueMilliseconds = options.maximumQueueMilliseconds ?? 10_000;
    this.size = Math.max(1, options.workers ?? 2);
    this.log = options.log ?? ((message) => console.warn(message));
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { databasePath: this.databasePath, entry: new URL('./read-worker.ts', import.meta.url).href, tsx: tsxApiUrl() },
    });
    worker.unref();
    const slot: Slot = { worker, ready: false };
    worker.on('message', (message: ReadResultMessage | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
        this.startFailures = 0;
        this.dispatch();
        return;
      }
      const job = slot.job;
      if (!job || job.message.id !== message.id) return;
      this.finish(slot);
      if ('failure' in message) job.reject(new Error(`read worker: ${message.failure}`));
      else job.resolve({ status: message.status, body: message.body });
      this.dispatch();
    });
    worker.on('error', (error) => {
      const job = slot.job;
      this.finish(slot);
      job?.reject(error);
      this.log(`read worker: ${error.message}`);
      // One that never started (tsx or the database missing) is not retried in a tight loop.
      if (!slot.ready) this.startFailures++;
      this.replace(slot);
    });
    worker.on('exit', () => {
      if (this.closed) return;
      const job = slot.job;
      this.finish(slot);
      job?.reject(new Error('read worker exited'));
      this.replace(slot);
    });
    return slot;
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
  }

  /**
   * End a worker and put a new one in its place. A worker ended in the middle of one SQLite step
   * stops only when the step hands back (at most one scan of a table): until then it still holds
   * a CPU. So at most as many as the pool's size may be ending at once; past that, the new worker
   * waits for one of them to be gone.
   */
  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    slot.worker.removeAllListeners();
    this.ending++;
    void slot.worker.terminate().finally(() => {
      this.ending--;
      this.refill();
    });
    this.slots.splice(index, 1);
    this.refill();
  }

  private refill(): void {
    if (this.startFailures > 0 && !this.refillTimer) {
      // Back off after workers that failed to start: 0.1 s, 0.2 s, … up to 5 s.
      this.refillTimer = setTimeout(() => {
        this.refillTimer = undefined;
        this.spawnMissing();
      }, Math.min(5_000, 100 * 2 ** Math.min(this.startFailures - 1, 6)));
      this.refillTimer.unref();
      return;
    }
    this.spawnMissing();
  }

  private spawnMissing(): void {
    while (!this.closed && this.slots.length < this.size && this.ending + this.slots.length < 2 * this.size) this.slots.push(this.spawn());
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      clearTimeout(job.queueTimer);
      // The time bound counts from here: waiting in the queue is bounded on its own.
      job.message.startedAt = Date.now();
      slot.job = job;
      const remaining = this.limits.maximumReadMilliseconds + OVERRUN_GRACE_MILLISECONDS;
      slot.timer = setTimeout(() => {
        // Stuck in one long step: end the worker (it stops when SQLite hands back), take a new one.
        this.replacedWorkers++;
        this.finish(slot);
        job.resolve(timeError(this.limits));
        this.replace(slot);
        this.dispatch();
      }, remaining);
      slot.worker.postMessage(job.message);
    }
  }

  /** Workers running a read, and reads waiting for one: for tests and health reports. */
  stats(): { running: number; queued: number } {
    return { running: this.slots.filter((slot) => slot.job !== undefined).length, queued: this.queue.length };
  }

  read(job: ReadJob): Promise<ReadAnswer> {
    if (this.closed) return Promise.reject(new Error('the read pool is closed'));
    if (this.queue.length >= this.maximumQueued) return Promise.resolve(busy(`${this.maximumQueued} reads are already waiting, the limit: try again shortly`));
    return new Promise((resolve, reject) => {
      const queued: Job = { message: { id: this.nextId++, job, limits: this.limits, startedAt: 0 }, resolve, reject };
      queued.queueTimer = setTimeout(() => {
        const index = this.queue.indexOf(queued);
        if (index < 0) return;
        this.queue.splice(index, 1);
        resolve(busy(`the read waited more than ${this.maximumQueueMilliseconds} ms for a free worker, the limit: try again shortly`));
      }, this.maximumQueueMilliseconds);
      this.queue.push(queued);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.queueTimer);
      job.reject(new Error('the server is closing'));
    }
    await Promise.all(this.slots.map((slot) => {
      clearTimeout(slot.timer);
      slot.job?.reject(new Error('the server is closing'));
      return slot.worker.terminate();
    }));
  }
}

/** Send an answer of the read workers as the reply. */
export function sendReadAnswer(reply: FastifyReply, answer: ReadAnswer): FastifyReply {
  if (answer.headers) void reply.headers(answer.headers);
  const body = typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  return reply.status(answer.status).type('application/json; charset=utf-8').send(body);
}

/** Reads for a database: a worker pool for a file, in-process for ":memory:". */
export function createReadExecutor(databasePath: string, db: Database, options: ReadPoolOptions = {}): ReadExecutor {
  return databasePath === ':memory:' || databasePath === '' ? new InProcessReads(db, options.budget) : new ReadWorkerPool(databasePath, options);
}
