/**
 * One suite for the BIM property store and its API, run against both backends: SQLite always;
 * PostgreSQL in a database of its own (created and dropped here). Without a reachable PostgreSQL
 * server the PostgreSQL half skips with a message, except under CI, where it fails.
 * The data is the Duplex (IFC2X3) as the BIM tiler reads it, plus small hand-made models.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BimElementInput, BimModelInput } from '../../domain/bim.ts';
import { tileIfc } from '../../tiling/bim/bim-pipeline.ts';
import { eachFreshStore, storeBackends } from '../testing/store-backends.ts';
import { BimInputError, openBimStore, type BimStore } from './bim-store.ts';
import { registerBimRoutes } from './routes.ts';

const DUPLEX = new URL('../../../../shared/data/bim/Duplex_A_20110907.ifc', import.meta.url).pathname;

let duplexModel: BimModelInput;
let duplexElements: BimElementInput[];
let duplexText: string;
const scratch = mkdtempSync(join(tmpdir(), 'cim-twin-bim-store-'));

beforeAll(async () => {
  duplexText = await readFile(DUPLEX, 'latin1');
  await tileIfc({
    sourceName: DUPLEX,
    outputDirectory: join(scratch, 'duplex'),
    loadProperties: async (model, elements) => {
      duplexModel = model;
      duplexElements = [...elements];
      return duplexElements.length;
    },
  });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const element = (globalId: string, ifcClass: string, storeyGlobalId: string, extra: Partial<BimElementInput> = {}): BimElementInput => ({
  globalId, expressId: 1, ifcClass, name: `${ifcClass} ${globalId}`, storey: storeyGlobalId ? `Storey ${storeyGlobalId}` : '', storeyGlobalId, material: '', objectType: '', tag: '',
  propertySets: [{ name: 'Pset_Test', kind: 'property', properties: [{ name: 'Width', value: 0.9, type: 'IFCLENGTHMEASURE', unit: 'm' }] }], ...extra,
});
const SMALL: BimModelInput = {
  id: 'small', name: 'Small', building: 'B-001', source: 'small.ifc', schema: 'IFC4', placement: { source: 'origin-option', lonDegrees: 117.28, latDegrees: 31.86, heightMetres: 0, headingDegrees: 0 },
  units: { LENGTHUNIT: 'm' },
  storeys: [{ globalId: 'S2', expressId: 2, name: 'Level 2', elevation: 3, building: 'B' }, { globalId: 'S1', expressId: 1, name: 'Level 1', elevation: 0, building: 'B' }],
};

const BACKENDS = await storeBackends('BIM-store', { prefix: 'bim', open: openBimStore, extensions: [], tables: ['bim_elements', 'bim_models'] });

describe.each(BACKENDS)('BIM store and API on $name', (backend) => {
  let store: BimStore;
  let app: FastifyInstance;

  eachFreshStore(backend, async (fresh) => {
    ({ store } = fresh);
    await store.replaceModel(duplexModel, duplexElements);
    await store.replaceModel(SMALL, [element('A1', 'IfcWall', 'S1'), element('A2', 'IfcWall', 'S1'), element('A3', 'IfcDoor', 'S2'), element('A4', 'IfcSite', '')]);
    app = Fastify();
    await registerBimRoutes(app, { store });
    await app.ready();
  });
  afterEach(async () => {
    await app?.close();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  it('serves a Duplex door’s property sets, grouped by set, with units', async () => {
    const [, expressId, globalId] = /#(\d+)=IFCDOOR\('([^']{22})'/.exec(duplexText)!;
    const { status, body } = await get(`/api/bim/models/duplex/elements/${encodeURIComponent(globalId!)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ model: 'duplex', globalId, expressId: Number(expressId), ifcClass: 'IfcDoor' });
    const sets = body['propertySets'] as { name: string; kind: string; properties: { name: string; value: unknown; unit?: string }[] }[];
    // Pset_DoorCommon as the STEP text has it for this door: its relation names the door and the set.
    const relation = new RegExp(`IFCRELDEFINESBYPROPERTIES\\([^;]*[(,]#${expressId}[,)][^;]*,#(\\d+)\\);`, 'g');
    const setNames = [...duplexText.matchAll(relation)].map((m) => new RegExp(`#${m[1]}=IFC(?:PROPERTYSET|ELEMENTQUANTITY)\\('[^']*',#\\d+,'([^']*)'`).exec(duplexText)![1]);
    expect(sets.filter((s) => !('fromType' in s)).map((s) => s.name).sort()).toEqual(setNames.sort());
    // IsExternal as the text has it: the door's Pset_DoorCommon lists it as an IFCBOOLEAN.
    const psetIds = [...duplexText.matchAll(relation)].map((m) => m[1]);
    const common = psetIds.map((id) => new RegExp(`#${id}=IFCPROPERTYSET\\('[^']*',#\\d+,'Pset_DoorCommon',[^,]*,\\(([^)]*)\\)`).exec(duplexText)).find(Boolean)!;
    const isExternal = common[1]!.split(',').map((ref) => new RegExp(`${ref}=IFCPROPERTYSINGLEVALUE\\('IsExternal',\\$,IFCBOOLEAN\\(\\.([TF])\\.\\)`).exec(duplexText)).find(Boolean)![1];
    expect(sets.find((s) => s.name === 'Pset_DoorCommon')!.properties).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'IsExternal', value: isExternal === 'T' })]));
    const lengths = sets.flatMap((s) => s.properties).filter((p) => (p as { type?: string }).type === 'IFCLENGTHMEASURE');
    expect(lengths.length).toBeGreaterThan(0);
    expect(lengths.every((p) => p.unit === 'm')).toBe(true);
  });

  it('serves the property sets of a product that is no feature of the tiles: the IfcRoof, whose slabs are', async () => {
    const [, expressId, globalId] = /#(\d+)=IFCROOF\('([^']{22})'/.exec(duplexText)!;
    const { status, body } = await get(`/api/bim/models/duplex/elements/${encodeURIComponent(globalId!)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ globalId, expressId: Number(expressId), ifcClass: 'IfcRoof', inTiles: false });
    const relation = new RegExp(`IFCRELDEFINESBYPROPERTIES\\([^;]*[(,]#${expressId}[,)][^;]*,#(\\d+)\\);`, 'g');
    const setNames = [...duplexText.matchAll(relation)].map((m) => new RegExp(`#${m[1]}=IFC(?:PROPERTYSET|ELEMENTQUANTITY)\\('[^']*',#\\d+,'([^']*)'`).exec(duplexText)![1]);
    expect(setNames.length).toBeGreaterThan(0);
    expect((body['propertySets'] as { name: string; fromType?: boolean }[]).filter((s) => !s.fromType).map((s) => s.name).sort()).toEqual(setNames.sort());
    // No opening is stored: they are voids, with nothing of their own to ask for.
    const opening = /=IFCOPENINGELEMENT\('([^']{22})'/.exec(duplexText)![1]!;
    expect((await get(`/api/bim/models/duplex/elements/${encodeURIComponent(opening)}`)).status).toBe(404);
  });

  it('lists the models, and the Duplex storey tree with element counts by class', async () => {
    const features = duplexElements.filter((e) => e.inTiles !== false).length;
    expect(features).toBe(236);
    const models = (await get('/api/bim/models')).body['models'] as { id: string; elementCount: number; storeyCount: number }[];
    expect(models.map((m) => [m.id, m.elementCount, m.storeyCount])).toEqual([['duplex', features, 4], ['small', 4, 2]]);
    expect(((await get('/api/bim/models?building=B-001')).body['models'] as { id: string }[]).map((m) => m.id)).toEqual(['small']);
    expect((await get('/api/bim/models?building=B-001&building=B-002')).status).toBe(400);
    const { body } = await get('/api/bim/models/duplex/storeys');
    const storeys = body['storeys'] as { name: string; elementCount: number; classes: Record<string, number> }[];
    expect(storeys.reduce((total, s) => total + s.elementCount, 0)).toBe(features);
    const doors = storeys.reduce((total, s) => total + (s.classes['IfcDoor'] ?? 0), 0);
    expect(doors).toBe(14);
    for (const s of storeys) expect(Object.values(s.classes).reduce((a, b) => a + b, 0)).toBe(s.elementCount);
  });

  it('orders storeys by elevation and puts elements in no storey last', async () => {
    const storeys = await store.storeys('small');
    expect(storeys!.map((s) => [s.globalId, s.elementCount, s.classes])).toEqual([['S1', 2, { IfcWall: 2 }], ['S2', 1, { IfcDoor: 1 }], ['', 1, { IfcSite: 1 }]]);
    expect((await get('/api/bim/models/small')).body).toMatchObject({ id: 'small', units: { LENGTHUNIT: 'm' }, elementCount: 4 });
  });

  it('answers 404 naming the model or element, and 400 for a bad model ID or GlobalId', async () => {
    expect(await get('/api/bim/models/nope/storeys')).toMatchObject({ status: 404, body: { message: 'no BIM model "nope"' } });
    expect(await get('/api/bim/models/small/elements/ZZZ')).toMatchObject({ status: 404, body: { message: 'no element "ZZZ" in BIM model "small"' } });
    expect(await get('/api/bim/models/nope/elements/A1')).toMatchObject({ status: 404, body: { message: 'no BIM model "nope"' } });
    expect((await get('/api/bim/models/Bad%20Model/storeys')).status).toBe(400);
    expect((await get(`/api/bim/models/small/elements/${'x'.repeat(65)}`)).status).toBe(400);
  });

  it('replaces a model all or nothing: a repeated GlobalId or a bad model ID changes nothing', async () => {
    await expect(store.replaceModel(SMALL, [element('B1', 'IfcWall', 'S1'), element('B1', 'IfcWall', 'S1')])).rejects.toThrow(/element B1: GlobalId appears twice in model small/);
    await expect(store.replaceModel({ ...SMALL, id: 'Bad Model' }, [])).rejects.toThrow(BimInputError);
    await expect(store.replaceModel(SMALL, [element('', 'IfcWall', 'S1')])).rejects.toThrow(/GlobalId "" must be 1–64 printable characters/);
    expect((await store.element('small', 'A1'))?.ifcClass).toBe('IfcWall');
    expect(await store.element('small', 'B1')).toBeUndefined();
    const replaced = await store.replaceModel(SMALL, [element('C1', 'IfcBeam', 'S2')]);
    expect(replaced).toMatchObject({ model: 'small', elements: 1, replaced: 4 });
    expect(await store.element('small', 'A1')).toBeUndefined();
    expect((await store.model('duplex'))?.elementCount).toBe(duplexElements.filter((e) => e.inTiles !== false).length);
  });
});
