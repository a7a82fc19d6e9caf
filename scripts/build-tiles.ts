#!/usr/bin/env -S npx tsx
/**
 * Tile a buildings file into 3D Tiles 1.1.
 *
 *   npm run tiles -- <buildings.geojson> --out tiles/<name> [--crs EPSG:4547] [--height-property height]
 *        [--floors-property floors] [--storey-height 3] [--default-height 10] [--id-property id]
 *        [--max-features 500] [--skip-invalid] [--assets <store.sqlite | postgres://…> [--dataset NAME]]
 *   npm run tiles -- <model.city.json | model.city.jsonl | model.gml> --out tiles/<name> [--lod 2 | --levels 1,2] [--crs …]
 *        [--max-features 500] [--skip-invalid] [--assets …]
 *
 * The input kind is told from its content: CityJSON (1.1, 2.0), CityJSONSeq and CityGML 2.0 are
 * tiled as city models (every surface, with its semantic type: see src/tiling/citymodel/); other
 * JSON as GeoJSON footprints. --lod chooses a city model's LoD (default: each object's highest).
 * --levels FAR,NEAR (e.g. 1,2) writes both LoDs in one tileset, levels by distance: every tile of
 * the far LoD is refined by REPLACE into a tile of the same objects at the near LoD (an object
 * lacking one LoD shows its other in both), so a runtime draws each object once, LoD2 near.
 *
 * --assets also loads every building (ID, name, address, attributes, footprint) into the asset
 * store, as dataset NAME (default: the --out directory's name), replacing that dataset only. The
 * load is all or nothing and happens before the tiles are moved into place: if it fails, neither
 * the tiles nor the store change.
 *
 * Exit status: 0 on success; 1 on bad input (the message names the file, feature index and reason);
 * 2 on bad usage. Output is written to a temporary directory and moved into place only when complete.
 */
import { SingleBar, Presets } from 'cli-progress';
import { parseArgs } from 'node:util';
import { openGeoJson, tileBuildings, TilingInputError, type TilingReport } from '../src/tiling/index.ts';
import { AssetStoreError, datasetFor, openAssetLoader, type OpenedAssetLoader } from '../src/server/assets/loader.ts';
import { tileCityModel, type CityModelReport } from '../src/tiling/citymodel/citymodel-pipeline.ts';
import { CityModelError, lodMatches } from '../src/tiling/citymodel/model.ts';
import { detectInputKind, openCityModel } from '../src/tiling/citymodel/open-city-model.ts';

const usage = 'usage: npm run tiles -- <buildings.geojson | model.city.json | model.city.jsonl | model.gml> --out <directory> [--lod N | --levels FAR,NEAR] [--crs EPSG:xxxx] [--height-property NAME] [--floors-property NAME] [--storey-height METRES] [--default-height METRES] [--id-property NAME] [--max-features N] [--skip-invalid] [--assets <store.sqlite|postgres://…> [--dataset NAME]] [--quiet]';

export function formatReport(report: TilingReport, assets?: { dataset: string; location: string }): string {
  const lines = [
    `input            ${report.input} (${report.crs})`,
    `features read    ${report.featuresRead}`,
    `buildings in     ${report.buildingsWritten}`,
    `  height from    property ${report.heightSources.property}, floors ${report.heightSources.floors}, default ${report.heightSources.default}`,
    `  parts merged   ${report.partsMerged} (features sharing an ID joined as one building)`,
    `skipped          ${Object.values(report.skipped).reduce((a, b) => a + b, 0)}`,
    ...Object.entries(report.skipped).map(([reason, count]) => `  ${reason.padEnd(30)} ${count}`),
    `tiles            ${report.tiles}`,
    `tileset files    ${report.tilesetFiles} (tileset.json ${report.rootTilesetBytes} bytes${report.tilesetFiles > 1 ? `, and ${report.tilesetFiles - 1} external tilesets it points to` : ''})`,
    ...(report.assetsLoaded === undefined ? [] : [`asset store      ${report.assetsLoaded} buildings as dataset ${assets?.dataset ?? '?'} in ${assets?.location ?? '?'}`]),
    `bytes            ${report.bytes} (${report.buildingsWritten ? (report.bytes / report.buildingsWritten).toFixed(0) : '-'} per building)`,
    `seconds          ${report.seconds.toFixed(2)}`,
  ];
  return lines.join('\n');
}

/** The city-model report: every object accounted for, by type (tiled, joined as a part, skipped with its reason). */
export function formatCityReport(report: CityModelReport, assets?: { dataset: string; location: string }): string {
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const byType = (r: Record<string, number>) => Object.entries(r).map(([type, count]) => `  ${type.padEnd(30)} ${count}`);
  const lines = [
    `input            ${report.input} (${report.format}, ${report.crs})`,
    `heights          ${report.heightReference}`,
    `LoD              ${report.lod}`,
    ...(report.levels
      ? [
          `  levels         LoD ${report.levels.far} far, refined (REPLACE) into LoD ${report.levels.near} near at a geometric error of ${report.levels.switchErrorMetres} m: ${report.levels.farTiles} + ${report.levels.nearTiles} tiles`,
          `  no LoD ${report.levels.near.padEnd(7)} ${total(report.levels.nearFromFar)} (their LoD ${report.levels.far} stands in at both levels)`,
          ...byType(report.levels.nearFromFar),
          `  no LoD ${report.levels.far.padEnd(7)} ${total(report.levels.farFromNear)} (their LoD ${report.levels.near} stands in at both levels)`,
          ...byType(report.levels.farFromNear),
        ]
      : []),
    `objects read     ${total(report.objectsRead)}`,
    ...byType(report.objectsRead),
    `tiled            ${total(report.tiled)} (one feature each)`,
    ...byType(report.tiled),
    `parts joined     ${total(report.partsJoined)} (to their top-level object)`,
    ...byType(report.partsJoined),
    `skipped          ${total(report.skipped)}${report.partsSkipped ? ` (and ${report.partsSkipped} parts of them)` : ''}`,
    ...byType(report.skipped),
    `surfaces         ${Object.entries(report.surfaces).map(([type, count]) => `${type || '(no semantics)'} ${count}`).join(', ')}`,
    `tiles            ${report.tiles}`,
    `tileset files    ${report.tilesetFiles} (tileset.json ${report.rootTilesetBytes} bytes)`,
    ...(report.assetsLoaded === undefined ? [] : [`asset store      ${report.assetsLoaded} objects as dataset ${assets?.dataset ?? '?'} in ${assets?.location ?? '?'}`]),
    `bytes            ${report.bytes} (${report.featuresWritten ? (report.bytes / report.featuresWritten).toFixed(0) : '-'} per object)`,
    `seconds          ${report.seconds.toFixed(2)}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        crs: { type: 'string' },
        'height-property': { type: 'string' },
        'floors-property': { type: 'string' },
        'storey-height': { type: 'string' },
        'default-height': { type: 'string' },
        'id-property': { type: 'string' },
        'max-features': { type: 'string' },
        lod: { type: 'string' },
        levels: { type: 'string' },
        'skip-invalid': { type: 'boolean', default: false },
        assets: { type: 'string' },
        dataset: { type: 'string' },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const input = positionals[0];
  if (!input || !values.out || positionals.length > 1) {
    console.error(usage);
    return 2;
  }
  const numberOption = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new TilingInputError(input, undefined, `--${name} must be a positive number, got "${value}"`);
    return n;
  };
  const showProgress = !values.quiet && process.stderr.isTTY;
  const bar = new SingleBar({ stream: process.stderr, format: ' {phase} [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic);
  let barStarted = false;
  let assets: OpenedAssetLoader | undefined;
  try {
    if (values.dataset !== undefined && values.assets === undefined) {
      console.error(`--dataset names the asset-store dataset: give --assets too\n${usage}`);
      return 2;
    }
    if (values.lod !== undefined && !/^[0-4](\.[0-3])?$/.test(values.lod)) {
      console.error(`--lod must be a LoD such as 1, 2 or 2.2, got "${values.lod}"\n${usage}`);
      return 2;
    }
    let levels: [string, string] | undefined;
    if (values.levels !== undefined) {
      const match = /^([0-4](?:\.[0-3])?),([0-4](?:\.[0-3])?)$/.exec(values.levels);
      if (!match || !(Number(match[1]) < Number(match[2])) || lodMatches(match[2]!, match[1]!)) {
        console.error(`--levels must be a far LoD and a near one, such as 1,2 or 1,2.2, got "${values.levels}"\n${usage}`);
        return 2;
      }
      if (values.lod !== undefined) {
        console.error(`--levels and --lod exclude each other\n${usage}`);
        return 2;
      }
      levels = [match[1]!, match[2]!];
    }
    const kind = await detectInputKind(input);
    if (values.assets !== undefined) assets = await openAssetLoader(values.assets, datasetFor(values.out, values.dataset));
    if (kind !== 'geojson') {
      const cityModel = await openCityModel(input, kind);
      const report = await tileCityModel(cityModel, {
        sourceName: input,
        outputDirectory: values.out,
        crs: values.crs,
        lod: values.lod,
        levels,
        maximumFeaturesPerTile: numberOption('max-features', values['max-features']),
        skipInvalid: values['skip-invalid'],
        loadAssets: assets?.load,
      });
      if (!values.quiet) console.log(formatCityReport(report, assets));
      return 0;
    }
    if (values.lod !== undefined || levels !== undefined) {
      console.error(`--${levels ? 'levels' : 'lod'} is for city models (CityJSON, CityGML); ${input} is GeoJSON\n${usage}`);
      return 2;
    }
    const source = await openGeoJson(input);
    const report = await tileBuildings(source.features, {
      sourceName: input,
      outputDirectory: values.out,
      crs: values.crs,
      declaredCrs: source.declaredCrs,
      heightProperty: values['height-property'],
      floorsProperty: values['floors-property'],
      idProperty: values['id-property'],
      storeyHeightMetres: numberOption('storey-height', values['storey-height']),
      defaultHeightMetres: numberOption('default-height', values['default-height']),
      maximumFeaturesPerTile: numberOption('max-features', values['max-features']),
      skipInvalid: values['skip-invalid'],
      loadAssets: assets?.load,
      onProgress: showProgress
        ? (phase, done, total) => {
            if (phase === 'write') {
              if (!barStarted) {
                bar.start(total, 0, { phase: 'tiles' });
                barStarted = true;
              }
              bar.update(done);
            }
          }
        : undefined,
    });
    if (barStarted) bar.stop();
    if (!values.quiet) console.log(formatReport(report, assets));
    return 0;
  } catch (error) {
    if (barStarted) bar.stop();
    if (error instanceof TilingInputError || error instanceof AssetStoreError || error instanceof CityModelError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await assets?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(3);
  });
}
