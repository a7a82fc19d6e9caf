/**
 * One read worker: its own connection to the monitoring database (WAL lets it read while the
 * main thread writes; `query_only` keeps it from writing), answering the GETs it is sent.
 * The answer's JSON goes back as bytes in a transferred buffer, so the main thread never
 * parses or copies it.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { ReadBudget, type ReadBudgetLimits } from './read.ts';
import { runReadJob, type ReadJob } from '../read-jobs.ts';

export interface ReadJobMessage {
  id: number;
  job: ReadJob;
  limits: ReadBudgetLimits;
  /** When the read started (epoch ms): the time bound counts from there. */
  startedAt: number;
}

export type ReadResultMessage = { id: number; status: number; body: Uint8Array } | { id: number; failure: string };

const { databasePath } = workerData as { databasePath: string };
const db = new Database(databasePath, { fileMustExist: true });
db.pragma('query_only = ON');
db.pragma('busy_timeout = 5000');
const encoder = new TextEncoder();

parentPort!.on('message', (job: ReadJobMessage) => {
  let message: ReadResultMessage;
  try {
    const response = runReadJob(db, job.job, new ReadBudget(job.limits, job.startedAt));
    message = { id: job.id, status: response.status, body: encoder.encode(response.json) };
  } catch (error) {
    message = { id: job.id, failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  parentPort!.postMessage(message, 'body' in message ? [message.body.buffer as ArrayBuffer] : []);
});
parentPort!.postMessage({ ready: true });
