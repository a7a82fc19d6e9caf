#!/usr/bin/env -S npx tsx
/**
 * Generate the demo district (deterministic, seeded) as GeoJSON.
 *
 *   npm run demo-data -- [--out tiles/demo/source] [--seed cim-twin-chancheng-v1] [--crs EPSG:4326|EPSG:4547]
 *
 * Writes buildings.geojson (one feature per building part, with its current lifecycle stage) and ground.geojson (streets, blocks).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { currentStage } from '../src/domain/lifecycle/lifecycle.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { buildingFeatures, DEFAULT_SEED, generateDistrict, groundFeatures, localToGaussKruger, localToLonLat } from '../src/demo/district.ts';

export async function writeDemoData(outputDirectory: string, seed = DEFAULT_SEED, crs: 'EPSG:4326' | 'EPSG:4547' = 'EPSG:4326') {
  const district = generateDistrict(seed);
  const convert = crs === 'EPSG:4547' ? localToGaussKruger() : localToLonLat();
  const crsMember = crs === 'EPSG:4547' ? { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4547' } } } : {};
  await mkdir(outputDirectory, { recursive: true });
  const write = async (name: string, features: object[]) => {
    const path = join(outputDirectory, name);
    const temporary = `${path}.tmp-${process.pid}`;
    await writeFile(temporary, JSON.stringify({ type: 'FeatureCollection', name: name.replace('.geojson', ''), ...crsMember, features }));
    await rename(temporary, path);
  };
  const stages = new Map(generateLifecycles(district).map((record) => [record.buildingId, currentStage(record)]));
  await write('buildings.geojson', buildingFeatures(district, convert, (id) => stages.get(id)));
  await write('ground.geojson', groundFeatures(district, localToLonLat()));
  return district;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'tiles/demo/source' }, seed: { type: 'string', default: DEFAULT_SEED }, crs: { type: 'string', default: 'EPSG:4326' } } });
  if (values.crs !== 'EPSG:4326' && values.crs !== 'EPSG:4547') {
    console.error('--crs must be EPSG:4326 or EPSG:4547');
    process.exit(2);
  }
  const district = await writeDemoData(values.out, values.seed, values.crs);
  const uses: Record<string, number> = {};
  for (const b of district.buildings) uses[b.properties.use] = (uses[b.properties.use] ?? 0) + 1;
  console.log(`demo district: ${district.buildings.length} buildings, ${district.streets.length} streets, ${district.blocks.length} blocks → ${values.out}`);
  console.log(`  by use: ${Object.entries(uses).map(([u, n]) => `${u} ${n}`).join(', ')}`);
}
