import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TilingInputError } from '../errors.ts';
import { readEpanet, readEpanetFile } from './epanet.ts';

const DATA = join(import.meta.dirname, '../../../../shared/data/pipelines');
const FOSHAN = { origin: { lonDegrees: 113.12, latDegrees: 23.02 }, metresPerUnit: 10 };

/** Rows of one section of an .inp file, read independently of EPANET: for cross-checks. */
function sectionRows(text: string, section: string): string[][] {
  const rows: string[][] = [];
  let inside = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.split(';')[0]!.trim();
    if (line.startsWith('[')) {
      inside = line.toUpperCase() === `[${section}]`;
      continue;
    }
    if (inside && line) rows.push(line.split(/\s+/));
  }
  return rows;
}

describe.runIf(existsSync(DATA))('EPANET networks from ../shared/data', () => {
  it('Net3.inp: node, pipe, pump and valve counts match the file; inches and feet become mm and m', async () => {
    const text = readFileSync(join(DATA, 'Net3.inp'), 'utf8');
    const network = await readEpanetFile(join(DATA, 'Net3.inp'), FOSHAN);
    expect(network.unitSystem).toBe('US');
    expect(network.counts).toMatchObject({
      junctions: sectionRows(text, 'JUNCTIONS').length,
      reservoirs: sectionRows(text, 'RESERVOIRS').length,
      tanks: sectionRows(text, 'TANKS').length,
      pipes: sectionRows(text, 'PIPES').length,
      pumps: sectionRows(text, 'PUMPS').length,
      valves: sectionRows(text, 'VALVES').length,
    });
    expect(network.counts.junctions).toBe(92);
    expect(network.counts.pipes).toBe(117);
    for (const [id, , , , diameterInches] of sectionRows(text, 'PIPES').slice(0, 10)) {
      const segment = network.segments.find((s) => s.id === id)!;
      expect(segment.shape).toEqual({ kind: 'circular', diameterMillimetres: expect.closeTo(Number(diameterInches) * 25.4, 6) });
    }
    const [id, elevationFeet] = sectionRows(text, 'JUNCTIONS')[0]!;
    expect(network.assets.find((a) => a.id === id)!.groundElevationMetres).toBeCloseTo(Number(elevationFeet) * 0.3048, 6);
    // Placed around the origin, within the network's extent × scale.
    for (const asset of network.assets) {
      expect(Math.abs(asset.lonDegrees - 113.12)).toBeLessThan(0.2);
      expect(Math.abs(asset.latDegrees - 23.02)).toBeLessThan(0.2);
    }
  });

  it('ky10.inp: 920 junctions, 1,043 pipes, PRV valves, and every one of the 7,796 vertices honoured in order', async () => {
    const text = readFileSync(join(DATA, 'ky10.inp'), 'utf8');
    const network = await readEpanetFile(join(DATA, 'ky10.inp'), { origin: { lonDegrees: 113.12, latDegrees: 23.02 }, metresPerUnit: 0.3048 });
    expect(network.counts.junctions).toBe(920);
    expect(network.counts.pipes).toBe(sectionRows(text, 'PIPES').length);
    expect(network.counts.pipes).toBe(1043);
    expect(network.counts.valves).toBe(sectionRows(text, 'VALVES').length);
    expect(network.links.filter((l) => l.kind === 'valve').every((l) => l.epanetType === 'PRV')).toBe(true);
    const vertexRows = sectionRows(text, 'VERTICES');
    expect(network.counts.vertices).toBe(vertexRows.length);
    expect(network.counts.vertices).toBe(7796);
    const perLink = new Map<string, number>();
    for (const [link] of vertexRows) perLink.set(link!, (perLink.get(link!) ?? 0) + 1);
    for (const segment of network.segments) expect(segment.path.length).toBe(2 + (perLink.get(segment.id) ?? 0));
    // Vertices keep their order and spacing: P-1's first two vertices are about 49.4 ft apart.
    const p1 = network.segments.find((s) => s.id === 'P-1')!;
    const [a, b] = [p1.path[1]!, p1.path[2]!];
    const metres = Math.hypot((b[0] - a[0]) * 111_320 * Math.cos((23.02 * Math.PI) / 180), (b[1] - a[1]) * 110_574);
    const [, x1, y1] = vertexRows[0]!.map(Number);
    const [, x2, y2] = vertexRows[1]!.map(Number);
    expect(metres).toBeCloseTo(Math.hypot(x2! - x1!, y2! - y1!) * 0.3048, 0);
  });
});

describe('EPANET bad input, each with a clear message', () => {
  const base = '[JUNCTIONS]\n J1 10 1\n J2 12 1\n[RESERVOIRS]\n R1 50\n[PIPES]\n';
  const coordinates = '[COORDINATES]\n J1 0 0\n J2 100 0\n R1 0 100\n';
  it.each([
    ['a pipe referring to an unknown node', `${base} P1 J1 J9 100 12 100 0 Open\n P2 R1 J1 100 12 100 0 Open\n${coordinates}[END]\n`, /net\.inp: EPANET rejected the file: Error 203: undefined node J9 in \[PIPES\] section: P1 J1 J9/],
    ['a diameter that is not a number', `${base} P1 J1 J2 100 twelve 100 0 Open\n P2 R1 J1 100 12 100 0 Open\n${coordinates}[END]\n`, /net\.inp: EPANET rejected the file: Error 2\d\d: .*P1 J1 J2 100 twelve/],
    ['a node without coordinates', `${base} P1 J1 J2 100 12 100 0 Open\n P2 R1 J1 100 12 100 0 Open\n[COORDINATES]\n J1 0 0\n R1 0 100\n[END]\n`, /node J2 has no \[COORDINATES\] entry/],
  ])('%s', async (_, text, message) => {
    await expect(readEpanet(text, 'net.inp', FOSHAN)).rejects.toThrow(TilingInputError);
    await expect(readEpanet(text, 'net.inp', FOSHAN)).rejects.toThrow(message);
  });

  it('an unknown CRS for placement', async () => {
    await expect(readEpanet(`${base} P1 J1 J2 100 12 100 0 Open\n P2 R1 J1 100 12 100 0 Open\n${coordinates}[END]\n`, 'net.inp', { crs: 'EPSG:1' })).rejects.toThrow(/unknown CRS "EPSG:1"/);
  });

  it('gives every pipe the cover depth asked for (EPANET has none), else 1.2 m', async () => {
    const text = `${base} P1 J1 J2 100 12 100 0 Open\n P2 R1 J1 100 12 100 0 Open\n${coordinates}[END]\n`;
    const deep = await readEpanet(text, 'net.inp', FOSHAN, { coverDepthMetres: 2 });
    expect(deep.coverDepthMetres).toBe(2);
    expect(deep.segments.map((s) => [s.start, s.end])).toEqual([[{ depthMetres: 2 }, { depthMetres: 2 }], [{ depthMetres: 2 }, { depthMetres: 2 }]]);
    const usual = await readEpanet(text, 'net.inp', FOSHAN);
    expect(usual.coverDepthMetres).toBe(1.2);
    expect(usual.segments.every((s) => 'depthMetres' in s.start && s.start.depthMetres === 1.2)).toBe(true);
    await expect(readEpanet(text, 'net.inp', FOSHAN, { coverDepthMetres: -1 })).rejects.toThrow(/net\.inp: cover depth must be a non-negative number/);
  });

  it('reads a small SI network in metres and millimetres', async () => {
    const text = `[OPTIONS]\n Units LPS\n${base} P1 J1 J2 100 300 100 0 Open\n P2 R1 J1 100 300 100 0 Open\n${coordinates}[VERTICES]\n P1 50 10\n[END]\n`;
    const network = await readEpanet(text, 'net.inp', FOSHAN);
    expect(network.unitSystem).toBe('SI');
    expect(network.segments.find((s) => s.id === 'P1')).toMatchObject({ shape: { diameterMillimetres: 300 }, fromNodeId: 'J1', toNodeId: 'J2' });
    expect(network.segments.find((s) => s.id === 'P1')!.path).toHaveLength(3);
    expect(network.assets.find((a) => a.id === 'J2')!.groundElevationMetres).toBeCloseTo(12, 9);
  });
});
if (!existsSync(DATA)) console.warn(`skipping the EPANET tests: ${DATA} is absent (it is in ../shared/data on CI)`);
