import validator from 'gltf-validator';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict } from '../../demo/district.ts';
import { generateNetwork } from '../../demo/network.ts';
import type { PipeSegment } from '../../domain/pipelines.ts';
import { LocalFrame } from '../local-frame.ts';
import { checkPropertyTables } from '../testing/property-table-rules.ts';
import { contentTiles, readTile, readWholeTileset as readTileset } from '../testing/read-tiles.ts';
import { assetGeometry, PIPE_RADIAL_SEGMENTS, segmentCentreLine, segmentGeometry, segmentJoints } from './pipe-mesh.ts';
import { readGlb } from '../glb.ts';
import type { TilesetJsonTile } from '../tileset.ts';
import { LINE_PIXELS_AT_SWITCH, lineWidthMetres, tilePipeNetwork, VIEWER_MAXIMUM_SCREEN_SPACE_ERROR } from './pipe-pipeline.ts';

const frame = new LocalFrame(113.12, 23.02);
const pipe = (id: string, path: [number, number][], startDepth: number, endDepth: number, diameterMillimetres = 400): PipeSegment => ({
  id,
  type: 'water',
  shape: { kind: 'circular', diameterMillimetres },
  path,
  fromNodeId: `${id}-a`,
  toNodeId: `${id}-b`,
  start: { depthMetres: startDepth },
  end: { depthMetres: endDepth },
});

describe('pipe geometry', () => {
  const sphereVertices = (PIPE_RADIAL_SEGMENTS + 1) * (5 + 1);
  const cylinderVertices = (PIPE_RADIAL_SEGMENTS + 1) * 2;

  it.each([
    ['a straight pipe', [[113.12, 23.02], [113.121, 23.02]], 1, 2],
    ['a pipe with two bends', [[113.12, 23.02], [113.121, 23.02], [113.121, 23.021], [113.122, 23.021]], 3, 4],
    ['a straight pipe through a collinear vertex', [[113.12, 23.02], [113.121, 23.02], [113.122, 23.02]], 2, 2],
  ] as const)('%s: one tube piece per straight run, a joint at each bend and end', (_, path, pieces, joints) => {
    const geometry = segmentGeometry(pipe('P', path.map((p) => [p[0], p[1]]), 1.2, 1.2), frame, 3);
    expect(geometry.getAttribute('position').count).toBe(pieces * cylinderVertices + joints * sphereVertices);
    expect(new Set(geometry.getAttribute('_feature_id_0').array)).toEqual(new Set([3]));
  });

  it('is continuous at a shared node: the centre lines meet and the joint covers both ends', () => {
    const a = pipe('A', [[113.12, 23.02], [113.121, 23.02]], 1.0, 1.4);
    const b = pipe('B', [[113.121, 23.02], [113.121, 23.021]], 1.4, 1.6);
    const endOfA = segmentCentreLine(a, frame).at(-1)!;
    const startOfB = segmentCentreLine(b, frame)[0]!;
    expect(endOfA.distanceTo(startOfB)).toBeLessThan(0.001);
    // Depth is cover to the pipe top: the centre is 1.4 m + half of 0.4 m below the ground.
    expect(endOfA.y).toBeCloseTo(-(1.4 + 0.2), 1);
    // B runs north from the node; only its joint sphere reaches south of the node (glTF +z is
    // south), by about its radius: the gap a bend would leave is filled.
    const positions = segmentGeometry(b, frame, 0).getAttribute('position');
    let southmost = -Infinity;
    for (let i = 0; i < positions.count; i++) southmost = Math.max(southmost, positions.getZ(i) - startOfB.z);
    expect(southmost).toBeGreaterThan(0.18);
    expect(southmost).toBeLessThanOrEqual(0.2 + 1e-6);
  });

  it('leaves joints out only where a straight run of one size passes through a node', () => {
    const linked = (id: string, from: string, to: string, path: [number, number][], diameter = 400): PipeSegment => ({ ...pipe(id, path, 1.2, 1.2, diameter), fromNodeId: from, toNodeId: to });
    const joints = segmentJoints([
      linked('A', 'n0', 'n1', [[113.12, 23.02], [113.121, 23.02]]),
      linked('B', 'n1', 'n2', [[113.121, 23.02], [113.122, 23.02]]), // straight on from A
      linked('C', 'n2', 'n3', [[113.122, 23.02], [113.122, 23.021]]), // turns north at n2
      linked('D', 'n3', 'n4', [[113.122, 23.021], [113.122, 23.022]], 300), // straight, but smaller
    ]);
    expect(joints.get('A')).toEqual({ start: true, end: false }); // n0 is a dead end
    expect(joints.get('B')).toEqual({ start: false, end: true });
    expect(joints.get('C')).toEqual({ start: true, end: true });
    expect(joints.get('D')).toEqual({ start: true, end: true });
    // A step in depth at a node is not flush either.
    const stepped = segmentJoints([
      { ...linked('E', 'm0', 'm1', [[113.12, 23.02], [113.121, 23.02]]), end: { depthMetres: 1.5 } },
      linked('F', 'm1', 'm2', [[113.121, 23.02], [113.122, 23.02]]),
    ]);
    expect(stepped.get('E')!.end).toBe(true);
    expect(stepped.get('F')!.start).toBe(true);
  });

  it('puts a manhole from the ground down to its depth', () => {
    const geometry = assetGeometry({ id: 'M', kind: 'manhole', type: 'drainage-storm', lonDegrees: 113.12, latDegrees: 23.02, groundElevationMetres: 0, depthMetres: 3.5 }, frame, 0)!;
    geometry.computeBoundingBox();
    expect(geometry.boundingBox!.max.y).toBeCloseTo(0, 2);
    expect(geometry.boundingBox!.min.y).toBeCloseTo(-3.5, 2);
  });
});

describe('the demo network as tiles', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cim-twin-pipes-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('tiles every segment and drawable asset with metadata, and every glb passes gltf-validator and the property-table rules', async () => {
    const network = generateNetwork(generateDistrict());
    const out = join(work, 'pipelines');
    const report = await tilePipeNetwork(network, { outputDirectory: out });
    expect(report.kilometres).toBeGreaterThan(40);
    const tileset = await readTileset(out);
    const ids = new Set<string>();
    for (const tile of contentTiles(tileset.root)) {
      const read = await readTile(out, tile.content!.uri);
      for (const id of read.columns.id!) ids.add(String(id));
      expect(read.columns.pipelineType!.length).toBe(read.rowCount);
      const bytes = new Uint8Array(await readFile(join(out, tile.content!.uri)));
      // The official 3D Tiles validator's metadata checks (METADATA_INVALID_LENGTH …).
      expect(checkPropertyTables(bytes).problems, tile.content!.uri).toEqual([]);
      const result = await validator.validateBytes(bytes);
      expect(result.issues.numErrors, JSON.stringify(result.issues.messages.filter((m) => m.severity === 0).slice(0, 3))).toBe(0);
    }
    for (const s of network.segments) expect(ids.has(s.id)).toBe(true);
    expect(ids.size).toBe(network.segments.length + network.assets.length - report.assetsWithoutGeometry);
  });
});

describe('far tiles draw the pipes as lines (the line LOD)', () => {
  let work: string;
  let out: string;
  let root: TilesetJsonTile;
  const network = generateNetwork(generateDistrict());
  const segmentIds = new Set(network.segments.map((s) => s.id));
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cim-twin-lines-'));
    out = join(work, 'pipelines');
    await tilePipeNetwork(network, { outputDirectory: out });
    root = (await readTileset(out)).root;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });
  const tilesOf = (tile: TilesetJsonTile): TilesetJsonTile[] => [tile, ...(tile.children ?? []).flatMap(tilesOf)];
  const isLines = (tile: TilesetJsonTile) => tile.content?.uri.startsWith('content/lines/') === true;

  it('the root is a line tile of every segment, with under half the 48,792 triangles of the tube root it replaces', async () => {
    expect(isLines(root)).toBe(true);
    expect(root.refine).toBe('REPLACE');
    const read = await readTile(out, root.content!.uri);
    expect(new Set(read.columns.id!.map(String))).toEqual(segmentIds);
    const { json } = readGlb(new Uint8Array(await readFile(join(out, root.content!.uri))));
    const gltf = json as unknown as { accessors: { count: number }[]; meshes: { primitives: { indices: number }[] }[]; materials: { doubleSided?: boolean; extensions?: Record<string, unknown> }[] };
    const triangles = gltf.accessors[gltf.meshes[0]!.primitives[0]!.indices]!.count / 3;
    const pieces = network.segments.reduce((n, s) => n + s.path.length - 1, 0);
    expect(triangles).toBeLessThanOrEqual(4 * pieces); // a flat and an upright strip per straight piece
    expect(triangles).toBeLessThan(48_792 / 2);
    // Lines in their exact CJJ 61 colours (no shading) and seen from above or below.
    expect(gltf.materials[0]!.extensions).toHaveProperty('KHR_materials_unlit');
    expect(gltf.materials[0]!.doubleSided).toBe(true);
  });

  it('each line is LINE_PIXELS_AT_SWITCH px wide where its tile gives way: its width is 4/16 of the tile’s geometric error', async () => {
    expect((lineWidthMetres(10) / 10) * VIEWER_MAXIMUM_SCREEN_SPACE_ERROR).toBeCloseTo(LINE_PIXELS_AT_SWITCH, 9);
    const lineTiles = tilesOf(root).filter(isLines);
    expect(new Set(lineTiles.map((t) => t.geometricError)).size).toBeGreaterThanOrEqual(3); // several line levels
    for (const tile of [lineTiles[0]!, lineTiles.at(-1)!]) {
      const read = await readTile(out, tile.content!.uri);
      // The first quad is the flat strip across the first piece of feature 0: its width is corner 0 to corner 3.
      const p = read.positionsEcef;
      const width = Math.hypot(p[0]! - p[9]!, p[1]! - p[10]!, p[2]! - p[11]!);
      expect(width / lineWidthMetres(tile.geometricError)).toBeCloseTo(1, 1);
    }
  });

  it('line levels replace each other with half the error, down to the true-size tubes (ADD), which carry every feature', async () => {
    const tubeIds = new Set<string>();
    const check = async (tile: TilesetJsonTile, parentError: number, inLines: boolean): Promise<void> => {
      expect(tile.geometricError).toBeLessThan(parentError);
      if (tile.refine === 'ADD') inLines = false;
      if (isLines(tile)) {
        expect(inLines, `${tile.content!.uri} below a tube tile`).toBe(true);
        const ids = (await readTile(out, tile.content!.uri)).columns.id!.map(String);
        expect(ids.every((id) => segmentIds.has(id))).toBe(true);
      } else if (tile.content) {
        expect(inLines, `${tile.content.uri} among the line levels`).toBe(false);
        for (const id of (await readTile(out, tile.content.uri)).columns.id!) tubeIds.add(String(id));
      }
      if (inLines) expect(tile.children?.length, 'a line tile ends in tubes').toBeGreaterThan(0);
      for (const child of tile.children ?? []) await check(child, tile.geometricError, inLines);
    };
    await check(root, Infinity, true);
    for (const id of segmentIds) expect(tubeIds.has(id)).toBe(true);
    expect(tubeIds.size).toBe(segmentIds.size + network.assets.filter((a) => a.kind !== 'junction' && a.kind !== 'service-connection').length);
  });
});

describe('a network larger than a line tile holds', () => {
  it('keeps the largest pipes in the upper line levels and every segment in the lines just above its tubes', async () => {
    const network = generateNetwork(generateDistrict());
    const work = await mkdtemp(join(tmpdir(), 'cim-twin-lines-cap-'));
    try {
      const out = join(work, 'pipelines');
      await tilePipeNetwork(network, { outputDirectory: out, maximumLinesPerTile: 500 });
      const root = (await readTileset(out)).root;
      const rootIds = (await readTile(out, root.content!.uri)).columns.id!.map(String);
      expect(rootIds).toHaveLength(500);
      const width = (s: (typeof network.segments)[number]) => (s.shape.kind === 'circular' ? s.shape.diameterMillimetres : s.shape.widthMillimetres);
      const smallestKept = Math.min(...network.segments.filter((s) => rootIds.includes(s.id)).map(width));
      const largestLeft = Math.max(...network.segments.filter((s) => !rootIds.includes(s.id)).map(width));
      expect(smallestKept).toBeGreaterThanOrEqual(largestLeft);
      // The line tiles whose children are tubes: together, every segment.
      const lastLines: TilesetJsonTile[] = [];
      const walk = (tile: TilesetJsonTile) => {
        if (tile.children?.some((c) => c.refine === 'ADD')) lastLines.push(tile);
        else tile.children?.forEach(walk);
      };
      walk(root);
      const ids = new Set<string>();
      for (const tile of lastLines) if (tile.content) for (const id of (await readTile(out, tile.content.uri)).columns.id!) ids.add(String(id));
      expect(ids.size).toBe(network.segments.length);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('a sparse network (a rural main 40 km long)', () => {
  it('is one chain of line tiles, thinner at each level, not thousands of tiles of one pipe', async () => {
    const segments: PipeSegment[] = Array.from({ length: 30 }, (_, i) => ({ ...pipe(`R${i}`, [[113 + i * 0.013, 23], [113 + (i + 1) * 0.013, 23]], 1.2, 1.2, 600), fromNodeId: `N${i}`, toNodeId: `N${i + 1}` }));
    const work = await mkdtemp(join(tmpdir(), 'cim-twin-sparse-lines-'));
    try {
      const out = join(work, 'pipelines');
      const report = await tilePipeNetwork({ segments, assets: [] }, { outputDirectory: out });
      const root = (await readTileset(out)).root;
      const chain: TilesetJsonTile[] = [];
      for (let tile: TilesetJsonTile | undefined = root; tile && tile.refine !== 'ADD'; tile = tile.children?.[0]) {
        expect(tile.children).toHaveLength(1);
        chain.push(tile);
      }
      expect(chain.length).toBeGreaterThanOrEqual(5); // 40 km: lines from about 22 km down to the tubes
      expect(report.lineTiles).toBe(chain.length);
      expect(report.tiles).toBe(chain.length + 1);
      for (let i = 1; i < chain.length; i++) expect(chain[i]!.geometricError).toBeCloseTo(chain[i - 1]!.geometricError / 2, 2);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

