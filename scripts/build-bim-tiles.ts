#!/usr/bin/env -S npx tsx
/**
 * `npm run bim -- model.ifc --out tiles/bim/<name> [--building <base building ID>]
 *    [--origin lon,lat,height [--rotation degrees]] [--store <store.sqlite | postgres://…>] [--model ID]`
 *
 * Tiles an IFC model (IFC2X3, IFC4, IFC4X3; read with web-ifc): one feature per IfcProduct with
 * geometry, feature ID = its GlobalId, carrying its IFC class, name, storey, material and express
 * ID. Placement: --origin if given (it overrides the file), else IfcMapConversion, else IfcSite's
 * RefLatitude/RefLongitude; the one used is printed. --rotation is the heading of the model's +Y
 * axis, degrees clockwise from north. Property and quantity sets go to the BIM store (--store,
 * else ASSETS_DATABASE if set), served at /api/bim. Bad input exits 1 naming the file, the entity
 * and the reason, and writes nothing.
 */
import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import { BimInputError, checkModelId } from '../src/domain/bim.ts';
import { displayLocation } from '../src/server/assets/loader.ts';
import { openBimStore, type BimStore } from '../src/server/bim/bim-store.ts';
import { BimTilingError, tileIfc, type BimTilingReport } from '../src/tiling/bim/bim-pipeline.ts';
import type { OriginOption } from '../src/tiling/bim/placement.ts';

const usage = 'usage: npm run bim -- <model.ifc> --out <tiles/bim/name> [--building ID] [--origin lon,lat,height [--rotation degrees]] [--store <store.sqlite|postgres://…>] [--model ID] [--max-features N] [--quiet]';

export function formatReport(report: BimTilingReport, store?: string): string {
  const classes = (table: Record<string, number>) => Object.entries(table).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [
    `input            ${report.input} (${report.schema}, ${(report.inputBytes / 1024).toFixed(0)} KiB)`,
    `placement        ${report.placement.description}`,
    `products         ${report.products}: ${classes(report.productsByClass)}`,
    `features         ${report.elementsWritten}: ${classes(report.writtenByClass)}`,
    ...Object.entries(report.notWritten).map(([reason, table]) => `not features     ${Object.values(table).reduce((a, b) => a + b, 0)} ${reason}: ${classes(table)}`),
    `storeys          ${report.storeys}`,
    `geometry         ${report.geometries} distinct, ${report.placedGeometries} placed, ${report.gpuInstances} drawn as GPU instances`,
    `tiles            ${report.tiles} tiles, ${(report.bytes / 1024).toFixed(0)} KiB (${(report.bytes / report.elementsWritten).toFixed(0)} bytes per element)`,
    `property sets    ${report.distinctPropertySets} distinct, ${report.propertySets} over all features${report.elementsLoaded === undefined ? ' (not stored: no --store or ASSETS_DATABASE)' : `, ${report.elementsLoaded} products (features and the storeys, site, aggregates) in the BIM store ${store ?? ''} as model ${report.modelId}`}`,
    `time             ${report.seconds.toFixed(1)} s`,
  ];
  return lines.join('\n');
}

function parseOrigin(text: string | undefined, rotation: string | undefined): OriginOption | undefined {
  if (text === undefined) {
    if (rotation !== undefined) throw new BimInputError('--rotation goes with --origin lon,lat,height');
    return undefined;
  }
  const parts = text.split(',').map((p) => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(p) ? Number(p) : Number.NaN));
  if (parts.length < 2 || parts.length > 3 || parts.some(Number.isNaN)) throw new BimInputError(`--origin must be lon,lat[,height] in degrees and metres, got "${text}"`);
  const heading = rotation === undefined ? 0 : Number(rotation);
  if (!Number.isFinite(heading)) throw new BimInputError(`--rotation must be degrees, got "${rotation}"`);
  return { lonDegrees: parts[0]!, latDegrees: parts[1]!, heightMetres: parts[2] ?? 0, headingDegrees: heading };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        building: { type: 'string' },
        origin: { type: 'string' },
        rotation: { type: 'string' },
        store: { type: 'string' },
        model: { type: 'string' },
        'max-features': { type: 'string' },
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
  let store: BimStore | undefined;
  const location = values.store ?? process.env.ASSETS_DATABASE;
  try {
    const origin = parseOrigin(values.origin, values.rotation);
    const modelId = checkModelId(values.model ?? resolve(values.out).split('/').pop()!.toLowerCase());
    const maximum = values['max-features'] === undefined ? undefined : Number(values['max-features']);
    if (maximum !== undefined && !(Number.isInteger(maximum) && maximum > 0)) throw new BimInputError(`--max-features must be a positive integer, got "${values['max-features']}"`);
    if (location) {
      try {
        store = await openBimStore(location);
      } catch (error) {
        throw new BimInputError(`BIM store ${displayLocation(location)}: cannot open it (${(error as Error).message}); nothing was written`);
      }
    }
    const tilesRoot = resolve('tiles');
    const out = resolve(values.out);
    const report = await tileIfc({
      sourceName: input,
      outputDirectory: values.out,
      modelId,
      origin,
      building: values.building,
      tilesetPath: out.startsWith(`${tilesRoot}/`) ? `${relative(tilesRoot, out)}/tileset.json` : undefined,
      maximumFeaturesPerTile: maximum,
      loadProperties: store
        ? async (model, elements) => {
            try {
              return (await store!.replaceModel(model, elements)).elements;
            } catch (error) {
              throw new BimInputError(`BIM store ${displayLocation(location!)}: loading model ${model.id} failed, so no tiles were written and the store keeps its previous model: ${(error as Error).message}`);
            }
          }
        : undefined,
      log: values.quiet ? undefined : (line) => console.error(line),
    });
    if (!values.quiet) console.log(formatReport(report, location ? displayLocation(location) : undefined));
    return 0;
  } catch (error) {
    if (error instanceof BimTilingError || error instanceof BimInputError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await store?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
