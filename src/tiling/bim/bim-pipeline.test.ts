/**
 * The BIM tiler on real data (the Duplex, IFC2X3, Revit) and on synthetic IFC4: every product
 * accounted for, an element's GlobalId, class, express ID and storey read back from the tiles by
 * an independent glTF reader (loaders.gl) and checked against the STEP text itself, instancing of
 * shared geometry, 0 gltf-validator errors, and bad input refused naming file, entity and reason
 * with nothing written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import validator from 'gltf-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGlb } from '../glb.ts';
import { contentTiles, readTile, readTileset } from '../testing/read-tiles.ts';
import { BimTilingError, tileIfc, type BimTilingReport } from './bim-pipeline.ts';
import { syntheticIfc } from './testing/synthetic-ifc.ts';

const DUPLEX = new URL('../../../../shared/data/bim/Duplex_A_20110907.ifc', import.meta.url).pathname;
const CHICAGO_OVERRIDE = { lonDegrees: 117.2272, latDegrees: 31.8206, heightMetres: 20, headingDegrees: 0 };

let work: string;
let duplexText: string;
let duplex: BimTilingReport;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-bim-'));
  duplexText = await readFile(DUPLEX, 'latin1');
  duplex = await tileIfc({ sourceName: DUPLEX, outputDirectory: join(work, 'duplex'), building: 'B-001' });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const sum = (table: Record<string, number>) => Object.values(table).reduce((a, b) => a + b, 0);

describe('the Duplex (IFC2X3)', () => {
  it('accounts for every IfcProduct: written as a feature, or not and why', () => {
    const notWritten = Object.values(duplex.notWritten).reduce((total, table) => total + sum(table), 0);
    expect(duplex.elementsWritten + notWritten).toBe(duplex.products);
    expect(sum(duplex.productsByClass)).toBe(duplex.products);
    // The issue's census of the file.
    expect((duplex.writtenByClass['IfcWallStandardCase'] ?? 0) + (duplex.writtenByClass['IfcWall'] ?? 0)).toBe(57);
    expect(duplex.writtenByClass).toMatchObject({ IfcSlab: 21, IfcDoor: 14, IfcWindow: 24, IfcSpace: 21, IfcCovering: 13, IfcFurnishingElement: 61, IfcStairFlight: 2 });
    expect(duplex.notWritten['aggregate: its parts are the features']).toEqual({ IfcRoof: 1, IfcStair: 2 });
    expect(duplex.storeys).toBe(4);
    // Every IFCOPENINGELEMENT in the text is a void, not a feature.
    expect(duplex.notWritten['opening (a void cut from its host element)']?.['IfcOpeningElement']).toBe(duplexText.match(/=IFCOPENINGELEMENT\(/g)!.length);
  });

  it('uses IfcSite RefLatitude/RefLongitude (Revit’s Chicago) unless --origin overrides it', async () => {
    expect(duplex.placement.source).toBe('site-reference');
    expect(duplex.placement.latDegrees).toBeCloseTo(41 + 52 / 60 + 27.84 / 3600, 6);
    const moved = await tileIfc({ sourceName: DUPLEX, outputDirectory: join(work, 'duplex-hefei'), origin: CHICAGO_OVERRIDE });
    expect(moved.placement).toMatchObject({ source: 'origin-option', lonDegrees: 117.2272, latDegrees: 31.8206 });
    const region = (await readTileset(join(work, 'duplex-hefei'))).root.boundingVolume.region;
    expect((region[0]! * 180) / Math.PI).toBeCloseTo(117.2272, 3);
    expect((region[1]! * 180) / Math.PI).toBeCloseTo(31.8206, 3);
  });

  it('reads a door’s GlobalId, class, express ID and storey back from the tiles, as the STEP text has them', async () => {
    const door = /#(\d+)=IFCDOOR\('([^']{22})'/.exec(duplexText)!;
    const [, expressId, globalId] = door;
    // Its storey by the text alone: the containment relation that lists it, and that storey's name.
    const relation = new RegExp(`IFCRELCONTAINEDINSPATIALSTRUCTURE\\([^;]*[(,]#${expressId}[,)][^;]*,#(\\d+)\\);`).exec(duplexText)!;
    const [, storeyId, storeyName] = new RegExp(`#${relation[1]}=IFCBUILDINGSTOREY\\('([^']*)',#\\d+,'([^']*)'`).exec(duplexText)!;
    const tileset = await readTileset(join(work, 'duplex'));
    expect(tileset.extras).toMatchObject({ bim: { model: 'duplex', schema: 'IFC2X3', building: 'B-001' } });
    const rows: Record<string, unknown>[] = [];
    for (const tile of contentTiles(tileset.root)) {
      const { columns, rowCount } = await readTile(join(work, 'duplex'), tile.content!.uri);
      for (let i = 0; i < rowCount; i++) rows.push(Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v[i]])));
    }
    expect(rows).toHaveLength(duplex.elementsWritten);
    expect(new Set(rows.map((r) => r['id'])).size).toBe(rows.length);
    expect(rows.find((r) => r['id'] === globalId)).toMatchObject({ ifcClass: 'IfcDoor', expressId: Number(expressId), storey: storeyName, storeyId, model: 'duplex' });
    expect(rows.filter((r) => r['ifcClass'] === 'IfcSpace')).toHaveLength(21);
  });

  it('draws shared geometry as GPU instances with per-instance feature IDs, and passes gltf-validator', async () => {
    expect(duplex.gpuInstances).toBeGreaterThan(0);
    const tileset = await readTileset(join(work, 'duplex'));
    for (const tile of contentTiles(tileset.root)) {
      const bytes = new Uint8Array(await readFile(join(work, 'duplex', tile.content!.uri)));
      const result = await validator.validateBytes(bytes);
      expect(result.issues.numErrors, JSON.stringify(result.issues.messages.filter((m: { severity: number }) => m.severity === 0))).toBe(0);
      const { json } = readGlb(bytes);
      const instanced = (json.nodes ?? []).filter((n) => n.extensions?.['EXT_mesh_gpu_instancing']);
      expect(instanced.length).toBeGreaterThan(0);
      for (const node of instanced) expect(node.extensions!['EXT_instance_features']).toMatchObject({ featureIds: [{ attribute: 0, propertyTable: 0 }] });
      expect(json.extensionsUsed).toEqual(expect.arrayContaining(['EXT_mesh_gpu_instancing', 'EXT_instance_features', 'EXT_mesh_features', 'EXT_structural_metadata']));
    }
  });
});

describe('synthetic IFC4', () => {
  it('instances walls that share an IfcRepresentationMap, in a tree of tiles', async () => {
    const input = join(work, 'walls.ifc');
    await writeFile(input, syntheticIfc({ walls: 300, storeys: 3, shareEvery: 3, site: { latitude: [31, 51, 0, 0], longitude: [117, 17, 0, 0], elevation: 10 } }));
    const report = await tileIfc({ sourceName: input, outputDirectory: join(work, 'walls'), maximumFeaturesPerTile: 50 });
    expect(report.elementsWritten).toBe(300);
    expect(report.tiles).toBeGreaterThan(1);
    expect(report.gpuInstances).toBe(100);
    expect(report.propertySets).toBe(600);
  });
});

describe('bad input: exits naming the file, the entity and the reason, writing nothing', () => {
  const refuse = async (name: string, text: string, message: RegExp) => {
    const input = join(work, `${name}.ifc`);
    await writeFile(input, text, 'latin1');
    const out = join(work, `${name}-tiles`);
    const error = await tileIfc({ sourceName: input, outputDirectory: out, origin: CHICAGO_OVERRIDE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BimTilingError);
    expect((error as Error).message).toContain(input);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/nothing was written$/);
    expect(existsSync(out)).toBe(false);
  };
  const walls = () => syntheticIfc({ walls: 12, storeys: 2 });

  it('a truncated file', async () => {
    // Cut in the middle of the first door (about half way through the file).
    const door = /#(\d+)=IFCDOOR\(/.exec(duplexText)!;
    await refuse('truncated', duplexText.slice(0, door.index + 40), new RegExp(`entity #${door[1]} \\(IFCDOOR\\): is not terminated: the file ends inside it`));
    await refuse('truncated-between', `${walls().split('ENDSEC;\nEND-ISO')[0]}`, /ends inside the DATA section after entity #\d+ \(IFC[A-Z]+\)/);
  });

  it('corrupt STEP: unbalanced parentheses, a dangling reference, not STEP at all', async () => {
    const text = walls();
    const wall = /#(\d+)=IFCWALL\(.*\);/.exec(text)!;
    await refuse('unbalanced', text.replace(wall[0], wall[0].replace(/\);$/, ';')), new RegExp(`entity #${wall[1]} \\(IFCWALL\\): has unbalanced parentheses`));
    await refuse('dangling', text.replace(wall[0], wall[0].replace(/,#(\d+),'W/, ",#987654,'W")), new RegExp(`entity #${wall[1]} \\(IFCWALL\\): refers to #987654, which is not in the file`));
    await refuse('not-step', 'solid cube\nendsolid\n', /is not a STEP \(ISO 10303-21\) file/);
  });

  it('a schema web-ifc cannot read', async () => {
    await refuse('schema', walls().replace("FILE_SCHEMA(('IFC4'))", "FILE_SCHEMA(('IFC9X9'))"), /web-ifc cannot read schema IFC9X9/);
  });

  it('an IFC with no geometry', async () => {
    await refuse('no-geometry', syntheticIfc({ walls: 5, noGeometry: true }), /has \d+ IfcProducts and none with geometry/);
  });
});
