#!/usr/bin/env -S npx tsx
/**
 * Tile an underground pipeline network into 3D Tiles 1.1 (beside the buildings' tileset).
 *
 *   npm run pipes -- <input> [<input> …] --out tiles/<name> [--crs EPSG:4547] [--type water]
 *        [--fields fields.json] [--default-depth 1.2] [--encoding gbk] [--skip-invalid]
 *        [--origin LON,LAT --metres-per-unit 0.3048]   (EPANET files in arbitrary planar units)
 *        [--assets <store.sqlite | postgres://…> [--dataset NAME]]
 *
 * Inputs: GeoJSON (.geojson/.json), ESRI shapefiles (.shp with .dbf, .prj, .cpg) and EPANET
 * networks (.inp). Survey data usually comes as a line file and a point file per type; give them
 * together so the lines' 起点点号/终点点号 find their points.
 *
 * Exit status: 0 on success; 1 on bad input (the message names the file, feature index and
 * reason); 2 on bad usage. Output is written to a temporary directory and moved into place only
 * when complete. --assets also loads every segment and point asset into the asset store as
 * dataset NAME (default: the --out directory's name), all or nothing, before the tiles are moved
 * into place: if the load fails, neither the tiles nor the store change.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { isPipelineType, PIPELINE_TYPES, type PipeNetwork } from '../src/domain/pipelines.ts';
import { openGeoJson, TilingInputError } from '../src/tiling/index.ts';
import { DEFAULT_WATER_COVER_METRES, readEpanetFile, type EpanetNetwork, type EpanetPlacement } from '../src/tiling/readers/epanet.ts';
import { importPipeFeatures, type PipeImportReport, type PipeInput } from '../src/tiling/readers/pipe-features.ts';
import { openShapefile } from '../src/tiling/readers/shapefile.ts';
import { tilePipeNetwork, type PipeTilingReport } from '../src/tiling/pipes/pipe-pipeline.ts';
import { AssetStoreError, datasetFor, openAssetLoader, type OpenedAssetLoader } from '../src/server/assets/loader.ts';

const usage = `usage: npm run pipes -- <file.geojson|file.shp|file.inp> [more inputs] --out <directory>
  [--crs EPSG:xxxx] [--type ${PIPELINE_TYPES.join('|')}] [--fields fields.json] [--default-depth METRES]
  [--encoding gbk] [--skip-invalid] [--origin LON,LAT --metres-per-unit N] [--max-features N]
  [--assets <store.sqlite|postgres://…> [--dataset NAME]] [--quiet]`;

/** What an EPANET run read: its units, the count per section and the depth the pipes were given. */
export interface EpanetSummary {
  file: string;
  network: EpanetNetwork;
  /** Whether the cover depth came from --default-depth. */
  depthFromOption: boolean;
}

export function formatEpanetSummary({ file, network, depthFromOption }: EpanetSummary): string[] {
  const c = network.counts;
  const pointAssets = network.assets.length;
  return [
    `input            ${file} (EPANET, ${network.unitSystem} units, flow in ${network.flowUnits})`,
    `read             ${c.junctions} junctions, ${c.reservoirs} reservoirs, ${c.tanks} tanks, ${c.pipes} pipes, ${c.pumps} pumps, ${c.valves} valves, ${c.vertices} vertices`,
    `segments         ${network.segments.length} (the pipes)`,
    `assets           ${pointAssets} (nodes, and pumps and valves as point assets)`,
    `depth assumed    ${network.segments.length} pipes at ${network.coverDepthMetres} m cover (EPANET has no depth; ${depthFromOption ? 'from --default-depth' : 'the default, set it with --default-depth'})`,
    `skipped          0 (EPANET reads the whole file or rejects it)`,
  ];
}

export function formatPipeReport(imported: PipeImportReport | EpanetSummary | undefined, tiled: PipeTilingReport, assets?: { dataset: string; location: string }): string {
  const lines: string[] = [];
  if (imported && 'network' in imported) {
    lines.push(...formatEpanetSummary(imported));
  } else if (imported) {
    lines.push(
      `inputs           ${imported.inputs.join(', ')}`,
      `features read    ${imported.featuresRead}`,
      `segments         ${imported.segments}`,
      `assets           ${imported.assets} (${imported.junctionsAdded} junctions added where lines met)`,
      ...(imported.depthDefaulted ? [`depth assumed    ${imported.depthDefaulted} line ends (--default-depth)`] : []),
      `skipped          ${Object.values(imported.skipped).reduce((a, b) => a + b, 0)}`,
      ...Object.entries(imported.skipped).map(([reason, count]) => `  ${reason.padEnd(40)} ${count}`),
      ...imported.skippedFeatures.slice(0, 20).map((s) => `    ${s.file} feature ${s.index}: ${s.reason}`),
    );
  } else {
    lines.push(`segments         ${tiled.segments}`, `assets           ${tiled.assets}`);
  }
  lines.push(
    `length           ${tiled.kilometres.toFixed(2)} km`,
    `tiles            ${tiled.tiles} (${tiled.lineTiles} of lines for far views; the root ${tiled.rootTriangles} triangles)`,
    `tileset files    ${tiled.tilesetFiles} (tileset.json ${tiled.rootTilesetBytes} bytes${tiled.tilesetFiles > 1 ? `, and ${tiled.tilesetFiles - 1} external tilesets it points to` : ''})`,
    `bytes            ${tiled.bytes} (${tiled.kilometres ? (tiled.bytes / 1024 / tiled.kilometres).toFixed(1) : '-'} KiB per km), network.json ${tiled.networkBytes}`,
    ...(tiled.assetsLoaded === undefined ? [] : [`asset store      ${tiled.assetsLoaded} segments and point assets as dataset ${assets?.dataset ?? '?'} in ${assets?.location ?? '?'}`]),
    `seconds          ${tiled.seconds.toFixed(2)}`,
  );
  return lines.join('\n');
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        crs: { type: 'string' },
        type: { type: 'string' },
        fields: { type: 'string' },
        'default-depth': { type: 'string' },
        encoding: { type: 'string' },
        'skip-invalid': { type: 'boolean', default: false },
        origin: { type: 'string' },
        'metres-per-unit': { type: 'string' },
        'max-features': { type: 'string' },
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
  if (positionals.length === 0 || !values.out) {
    console.error(usage);
    return 2;
  }
  if (values.type !== undefined && !isPipelineType(values.type)) {
    console.error(`--type must be one of ${PIPELINE_TYPES.join(', ')}`);
    return 2;
  }
  const positive = (name: string, value: string | undefined, allowZero = false): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new TilingInputError(`--${name}`, undefined, `must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${value}"`);
    return n;
  };
  if (values.dataset !== undefined && values.assets === undefined) {
    console.error(`--dataset names the asset-store dataset: give --assets too\n${usage}`);
    return 2;
  }
  let assets: OpenedAssetLoader | undefined;
  try {
    if (values.assets !== undefined) assets = await openAssetLoader(values.assets, datasetFor(values.out, values.dataset));
    const epanet = positionals.filter((p) => extname(p).toLowerCase() === '.inp');
    const features = positionals.filter((p) => extname(p).toLowerCase() !== '.inp');
    if (epanet.length > 1 || (epanet.length === 1 && features.length > 0)) throw new TilingInputError(epanet[0]!, undefined, 'an EPANET network is tiled on its own: give one .inp file and no other inputs');
    let network: PipeNetwork;
    let imported: PipeImportReport | EpanetSummary | undefined;
    if (epanet.length === 1) {
      const file = epanet[0]!;
      // Options of survey files only: refused, never silently ignored.
      const notForEpanet: [boolean, string, string][] = [
        [values.fields !== undefined, '--fields', 'EPANET sections have fixed columns; --fields maps the field names of survey files'],
        [values.encoding !== undefined, '--encoding', "it sets a shapefile's DBF text encoding"],
        [values['skip-invalid'], '--skip-invalid', 'EPANET reads the whole file or rejects it'],
        [values.type !== undefined && values.type !== 'water', `--type ${values.type}`, 'an EPANET network is a water network'],
        [values['metres-per-unit'] !== undefined && !values.origin, '--metres-per-unit', 'it scales arbitrary units placed by --origin; with --crs the CRS gives the units'],
        [values.origin !== undefined && values.crs !== undefined, '--origin with --crs', 'give one placement: --crs for coordinates in a CRS, --origin for arbitrary units'],
      ];
      const refused = notForEpanet.find(([given]) => given);
      if (refused) {
        console.error(`error: ${refused[1]} does not apply to EPANET input (${file}): ${refused[2]}`);
        return 2;
      }
      let placement: EpanetPlacement;
      if (values.origin) {
        const [lon, lat] = values.origin.split(',').map(Number);
        if (!Number.isFinite(lon) || !Number.isFinite(lat)) throw new TilingInputError('--origin', undefined, `must be LON,LAT in degrees, got "${values.origin}"`);
        placement = { origin: { lonDegrees: lon!, latDegrees: lat! }, metresPerUnit: positive('metres-per-unit', values['metres-per-unit']) ?? 1 };
      } else if (values.crs) placement = { crs: values.crs };
      else throw new TilingInputError(file, undefined, 'EPANET coordinates carry no CRS: give --crs, or --origin LON,LAT (and --metres-per-unit) for arbitrary units');
      const depth = positive('default-depth', values['default-depth'], true);
      const epanetNetwork = await readEpanetFile(file, placement, { coverDepthMetres: depth ?? DEFAULT_WATER_COVER_METRES });
      network = epanetNetwork;
      imported = { file, network: epanetNetwork, depthFromOption: depth !== undefined };
    } else {
      for (const [given, option] of [[values.origin !== undefined, '--origin'], [values['metres-per-unit'] !== undefined, '--metres-per-unit']] as const) {
        if (given) {
          console.error(`error: ${option} does not apply to survey input (${features.join(', ')}): it places an EPANET network drawn in arbitrary units; survey coordinates are in a CRS (--crs, the .prj or the GeoJSON crs)`);
          return 2;
        }
      }
      let fieldMap: Record<string, string | string[]> | undefined;
      if (values.fields) {
        try {
          fieldMap = JSON.parse(await readFile(values.fields, 'utf8')) as Record<string, string | string[]>;
        } catch (error) {
          throw new TilingInputError(values.fields, undefined, `cannot read the fields map: ${(error as Error).message}`);
        }
      }
      const inputs: PipeInput[] = [];
      for (const file of features) {
        const extension = extname(file).toLowerCase();
        if (extension === '.shp') inputs.push(await openShapefile(file, { encoding: values.encoding }));
        else if (extension === '.geojson' || extension === '.json') {
          const source = await openGeoJson(file);
          inputs.push({ sourceName: file, features: source.features, declaredCrs: source.declaredCrs });
        } else throw new TilingInputError(file, undefined, `unsupported input type "${extension}" (GeoJSON, .shp or .inp)`);
      }
      const result = await importPipeFeatures(inputs, {
        crs: values.crs,
        pipelineType: values.type as never,
        fields: fieldMap,
        defaultDepthMetres: positive('default-depth', values['default-depth'], true),
        skipInvalid: values['skip-invalid'],
      });
      network = result.network;
      imported = result.report;
      if (network.segments.length === 0) throw new TilingInputError(features.join(', '), undefined, 'no pipeline segments to tile');
    }
    const tiled = await tilePipeNetwork(network, { outputDirectory: values.out, maximumFeaturesPerTile: positive('max-features', values['max-features']), loadAssets: assets?.load });
    if (!values.quiet) console.log(formatPipeReport(imported, tiled, assets));
    return 0;
  } catch (error) {
    if (error instanceof TilingInputError || error instanceof AssetStoreError) {
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
