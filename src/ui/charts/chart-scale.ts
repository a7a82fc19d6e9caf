/** Linear scales and tick steps for the analysis charts (plain SVG; no chart library needed for two axes). */
export interface Scale {
  (value: number): number;
  domain: [number, number];
  pixelsPerUnit: number;
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const span = domain[1] - domain[0] || 1;
  const k = (range[1] - range[0]) / span;
  const scale = ((value: number) => range[0] + (value - domain[0]) * k) as Scale;
  scale.domain = domain;
  scale.pixelsPerUnit = Math.abs(k);
  return scale;
}

/** Tick values at a 1-2-5 step giving about `count` ticks. */
export function ticks([from, to]: [number, number], count: number): number[] {
  const raw = Math.abs(to - from) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const start = Math.ceil(Math.min(from, to) / step) * step;
  const values: number[] = [];
  for (let v = start; v <= Math.max(from, to) + 1e-9; v += step) values.push(Math.round(v / step) * step);
  return values;
}
