/** Timing of repeated queries for the store benchmarks: a warm-up, then p50 and p95 of N runs. */
import { performance } from 'node:perf_hooks';

export interface QueryTiming {
  label: string;
  runs: number;
  /** Mean results per query. */
  meanResults: number;
  p50Milliseconds: number;
  p95Milliseconds: number;
}

/** The value at a fraction (0–1) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** Run `query` once to warm up, then `runs` times; it resolves to its result count. */
export async function timeQuery(label: string, runs: number, query: (run: number) => Promise<number>): Promise<QueryTiming> {
  await query(-1);
  const times: number[] = [];
  let results = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    results += await query(run);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { label, runs, meanResults: results / runs, p50Milliseconds: percentile(times, 0.5), p95Milliseconds: percentile(times, 0.95) };
}
