#!/usr/bin/env -S npx tsx
/**
 * Import grids (网格: street, community and unit grid polygons with codes, names and grid
 * workers) into the grid store, replacing the grids it had.
 *
 *   npm run grids -- grids.geojson|grids.shp [--database data/grids.sqlite|postgres://…] [--crs EPSG:4547] [--encoding gbk]
 *
 * Default store: GRIDS_DATABASE, else data/grids.sqlite (what `npm start` serves). Field names are
 * listed in src/server/grids/import.ts. Invalid geometry, two grids of one level overlapping, or an
 * unknown or invalid grid code: exit 1 naming the file, the feature and the reason; nothing is stored.
 */
import { parseArgs } from 'node:util';
import { GridInputError } from '../src/domain/grids/grids.ts';
import { GridFileError, importGrids } from '../src/server/grids/import.ts';
import { DEFAULT_GRIDS_DATABASE } from '../src/server/grids/grid-store.ts';
import { displayLocation } from '../src/server/assets/loader.ts';

/** Run the importer; answers the exit code (0 done, 1 bad input, 2 bad usage). */
export async function runGridImport(args: string[], log: (line: string) => void = console.log, fail: (line: string) => void = console.error): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { database: { type: 'string' }, crs: { type: 'string' }, encoding: { type: 'string' } } });
  } catch (error) {
    fail((error as Error).message);
    return 2;
  }
  const [file, ...rest] = parsed.positionals;
  if (!file || rest.length) {
    fail('usage: npm run grids -- grids.geojson|grids.shp [--database data/grids.sqlite|postgres://…] [--crs EPSG:4547] [--encoding gbk]');
    return 2;
  }
  const location = parsed.values.database ?? process.env.GRIDS_DATABASE ?? DEFAULT_GRIDS_DATABASE;
  try {
    const count = await importGrids(file, location, { crs: parsed.values.crs, encoding: parsed.values.encoding });
    log(`${file}: ${count} grids in the grid store (${displayLocation(location)})`);
    return 0;
  } catch (error) {
    if (error instanceof GridInputError) {
      fail(`${file}: ${error.message}; nothing was stored`);
      return 1;
    }
    if (error instanceof GridFileError) {
      fail(`${error.message}; nothing was stored`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runGridImport(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
