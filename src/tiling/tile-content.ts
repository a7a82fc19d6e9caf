/**
 * One tile's content from its buildings: extrusion in a local frame at the tile's centre, then
 * GLB with metadata. A pure job (plain data in, bytes out) so it can run in a worker thread.
 */
import { TileMeshBuilder } from './extrude.ts';
import { buildContentGlb } from './glb.ts';
import { LocalFrame } from './local-frame.ts';
import type { MetadataSchema } from './metadata.ts';
import { unpackParts } from './packed-footprint.ts';

export interface TileContentJob {
  centreLonDegrees: number;
  centreLatDegrees: number;
  /** Packed parts per building (packed-footprint.ts), in feature ID order. */
  buildings: Float64Array[];
  /** Property rows as JSON, one per building, in the same order. */
  rowsJson: string[];
  schema: MetadataSchema;
  compress: boolean;
}

export async function buildTileContent(job: TileContentJob): Promise<Uint8Array> {
  const frame = new LocalFrame(job.centreLonDegrees, job.centreLatDegrees);
  const builder = new TileMeshBuilder(frame);
  job.buildings.forEach((packed, featureId) => {
    for (const part of unpackParts(packed)) builder.addExtrusion(part.rings, part.baseHeightMetres, part.topHeightMetres, featureId);
  });
  const rows = job.rowsJson.map((json) => JSON.parse(json) as Record<string, unknown>);
  return buildContentGlb(builder.finish(), frame.gltfNodeMatrix(), job.schema, rows, { compress: job.compress });
}
