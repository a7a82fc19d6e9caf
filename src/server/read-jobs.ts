/**
 * The reads the workers run (read-pool.ts): a SensorThings GET, or one of the lifecycle API's
 * overviews of every building. One function answers each, on whichever connection it is given.
 */
import type { Database } from 'better-sqlite3';
import { executeRead, ReadBudget, ReadLimitError, type ReadRequest, type ReadResponse } from './sensorthings/read.ts';
import { lifecycleOverviewJson, type LifecycleOverview } from './lifecycle/reads.ts';

export type ReadJob = { api: 'sensorthings'; request: ReadRequest } | { api: 'lifecycle'; overview: LifecycleOverview };

export function runReadJob(db: Database, job: ReadJob, budget: ReadBudget): ReadResponse {
  if (job.api === 'sensorthings') return executeRead(db, job.request, budget);
  try {
    return { status: 200, json: lifecycleOverviewJson(db, job.overview, budget) };
  } catch (error) {
    if (error instanceof ReadLimitError) return { status: 400, json: JSON.stringify({ code: 400, type: 'error', message: error.message }) };
    throw error;
  }
}
