/**
 * Normal behaviour of each simulated quantity: a daily pattern plus noise. Water demand peaks in
 * the morning and evening (China Standard Time), pulling pressure down and flow up; sewer gas
 * and dry-weather drainage follow it loosely; settlement creeps; tilt is steady.
 * Deterministic: the noise is a hash of the sensor and the time step, so a run can be replayed.
 */
import type { SensorSite } from './sites.ts';

const HOUR_MS = 3_600_000;
const CHINA_STANDARD_TIME_OFFSET_MS = 8 * HOUR_MS;

/** Water demand factor 0–1 by local hour: peaks at 07:30 and 19:30, low at 03:00. */
export function demand(timeMs: number): number {
  const hour = (((timeMs + CHINA_STANDARD_TIME_OFFSET_MS) % (24 * HOUR_MS)) + 24 * HOUR_MS) % (24 * HOUR_MS) / HOUR_MS;
  const peak = (centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));
  return Math.min(1, 0.15 + 0.85 * Math.max(peak(7.5, 1.5), 0.9 * peak(19.5, 2)));
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Roughly normal noise with unit standard deviation, fixed for a sensor and a time step. */
export function noise(key: string, step: number): number {
  let h = hash(`${key}:${step}`);
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 3266489909) >>> 0;
    sum += (h >>> 0) / 4294967296;
  }
  return (sum - 2) * Math.sqrt(3);
}

/** The normal value of a sensor at a time; `step` is the reading's index (for the noise). */
export function baseline(site: SensorSite, timeMs: number, step: number): number {
  const d = demand(timeMs);
  const n = noise(site.key, step);
  switch (site.property) {
    case 'methane':
      return Math.max(0, 0.9 + 0.4 * d + 0.25 * n);
    case 'water-pressure':
      return 0.33 - 0.06 * d + 0.004 * n;
    case 'water-flow':
      return Math.max(0, 140 * (0.35 + d) + 6 * n);
    case 'drainage-level':
      return Math.max(0, 18 + 12 * (site.downstream ?? 0) + 6 * d + 1.5 * n);
    case 'settlement':
      return 2 + 0.03 * n;
    case 'building-tilt':
      return 0.9 + 0.03 * n;
  }
}

/** Readings are rounded as instruments report them. */
export function round(site: SensorSite, value: number): number {
  const digits = site.property === 'water-pressure' ? 3 : site.property === 'building-tilt' ? 2 : 1;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
