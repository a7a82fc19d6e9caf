/**
 * BIM (IFC) tiling: the Duplex (IFC2X3, the shared sample) and a synthetic IFC4 model of
 * BENCH_BIM_ELEMENTS walls (default 100,000; a third sharing one IfcRepresentationMap), each run
 * in its own process (scripts/bench/bim-run.ts) so peak RSS is its own: elements/s, tile bytes per
 * element against the IFC file's bytes per element, peak RSS, with the property store load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticIfc } from '../../src/tiling/bim/testing/synthetic-ifc.ts';

export interface BimBenchResult {
  label: string;
  inputBytes: number;
  products: number;
  elements: number;
  geometries: number;
  gpuInstances: number;
  propertySets: number;
  tiles: number;
  bytes: number;
  /** Seconds until every mesh was read (the rest: tiles and the property store). */
  readSeconds: number;
  seconds: number;
  peakRssBytes: number;
  /** RSS when every mesh has been read: web-ifc's parsed model plus one summary per element. */
  rssAfterReadBytes: number;
}

const DUPLEX = '../shared/data/bim/Duplex_A_20110907.ifc';

function run(label: string, input: string, out: string, origin?: string): BimBenchResult {
  process.stderr.write(`BIM: tiling ${label} …\n`);
  const output = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/bench/bim-run.ts', input, out, ...(origin ? [origin] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return { label, ...(JSON.parse(output.trim().split('\n').pop()!) as Omit<BimBenchResult, 'label'>) };
}

export async function benchBim(elements = Number(process.env.BENCH_BIM_ELEMENTS ?? 100_000)): Promise<BimBenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'cim-twin-bench-bim-'));
  try {
    const results: BimBenchResult[] = [];
    if (existsSync(DUPLEX)) results.push(run('Duplex (IFC2X3)', DUPLEX, join(work, 'duplex')));
    else process.stderr.write(`BIM: ${DUPLEX} is missing, the Duplex row is left out\n`);
    const synthetic = join(work, 'synthetic.ifc');
    await writeSyntheticIfc(synthetic, { walls: elements, storeys: Math.max(1, Math.round(elements / 5000)), shareEvery: 3, site: { latitude: [31, 51, 0, 0], longitude: [117, 17, 0, 0], elevation: 10 } });
    results.push(run(`synthetic IFC4, ${elements.toLocaleString('en')} walls`, synthetic, join(work, 'synthetic')));
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function bimLines(results: BimBenchResult[]): string[] {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  const lines = ['BIM tiling (IFC → 3D Tiles + property store, `scripts/bench/bim-run.ts`)', ''];
  lines.push('| model | IFC file | elements | distinct geometries | GPU instances | tiles | seconds (read) | elements/s | tile bytes/element | IFC bytes/element | RSS after read | peak RSS |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    lines.push(
      `| ${r.label} | ${mib(r.inputBytes)} | ${r.elements.toLocaleString('en')} | ${r.geometries.toLocaleString('en')} | ${r.gpuInstances.toLocaleString('en')} | ${r.tiles} | ${r.seconds.toFixed(1)} (${r.readSeconds.toFixed(1)}) | ${Math.round(r.elements / r.seconds).toLocaleString('en')} | ${Math.round(r.bytes / r.elements).toLocaleString('en')} | ${Math.round(r.inputBytes / r.elements).toLocaleString('en')} | ${mib(r.rssAfterReadBytes)} | ${mib(r.peakRssBytes)} |`,
    );
  }
  return lines;
}
