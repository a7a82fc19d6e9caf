/**
 * One city-model tile's content: every surface of every city object triangulated (earcut on its
 * best-fit plane) in a local frame at the tile's centre, with flat normals; `_FEATURE_ID_0` is the
 * object's row in the `cityObject` table, `_FEATURE_ID_1` its surface's semantic type: the row of
 * the `surface` table, which is SURFACE_TYPES in every tile (so the value means the same type in
 * every tile and a shader can colour roofs and walls from it: 1 roof, 2 wall, 3 ground, …).
 * A pure job (plain data in, bytes out) so it can run in a worker thread.
 */
import type { TileMesh } from '../extrude.ts';
import { buildContentGlb } from '../glb.ts';
import { LocalFrame } from '../local-frame.ts';
import type { MetadataSchema } from '../metadata.ts';
import { SURFACE_TYPES } from './model.ts';
import { unpackSurfaces } from './packed-surfaces.ts';
import { triangulatePolygon } from './triangulate.ts';

export interface CityTileContentJob {
  centreLonDegrees: number;
  centreLatDegrees: number;
  /** Packed surfaces per city object (packed-surfaces.ts), in feature ID order. */
  objects: Float64Array[];
  /** Property rows as JSON, one per object, in the same order. */
  rowsJson: string[];
  schema: MetadataSchema;
  surfaceSchema: MetadataSchema;
  compress: boolean;
}

/** The `surface` class: one property, the CityGML/CityJSON semantic surface type ("" for none). */
const SURFACE_ROWS = SURFACE_TYPES.map((surfaceType) => ({ surfaceType }));

export const SURFACE_SCHEMA: MetadataSchema = { schemaId: 'cim_twin_citymodel', classId: 'surface', className: 'surface', properties: [{ id: 'surfaceType', sourceName: 'surfaceType', kind: 'STRING' }] };

export function buildCityTileMesh(job: Pick<CityTileContentJob, 'centreLonDegrees' | 'centreLatDegrees' | 'objects'>): TileMesh {
  const frame = new LocalFrame(job.centreLonDegrees, job.centreLatDegrees);
  const positions: number[] = [];
  const normals: number[] = [];
  const featureIds: number[] = [];
  const surfaceIds: number[] = [];
  const indices: number[] = [];
  job.objects.forEach((packed, featureId) => {
    for (const surface of unpackSurfaces(packed)) {
      const local = surface.rings.map((ring) => {
        const out = new Float64Array(ring.length);
        for (let i = 0; i < ring.length; i += 3) out.set(frame.toLocal(ring[i]!, ring[i + 1]!, ring[i + 2]!), i);
        return out;
      });
      const { normal, points, indices: triangles } = triangulatePolygon(local);
      if (triangles.length === 0) continue;
      const first = positions.length / 3;
      // Only the points the triangles use, in local ENU → glTF Y-up (e, u, −n).
      const used = new Map<number, number>();
      for (const p of triangles) {
        let v = used.get(p);
        if (v === undefined) {
          v = first + used.size;
          used.set(p, v);
          positions.push(points[3 * p]!, points[3 * p + 2]!, -points[3 * p + 1]!);
          normals.push(normal[0], normal[2], -normal[1]);
          featureIds.push(featureId);
          surfaceIds.push(surface.code);
        }
        indices.push(v);
      }
    }
  });
  const vertexCount = positions.length / 3;
  return {
    positions: Float32Array.from(positions),
    normals: Float32Array.from(normals),
    featureIds: job.objects.length < 65536 ? Uint16Array.from(featureIds) : Uint32Array.from(featureIds),
    surfaceIds: Uint16Array.from(surfaceIds),
    indices: vertexCount < 65536 ? Uint16Array.from(indices) : Uint32Array.from(indices),
  };
}

export async function buildCityTileContent(job: CityTileContentJob): Promise<Uint8Array> {
  const frame = new LocalFrame(job.centreLonDegrees, job.centreLatDegrees);
  const mesh = buildCityTileMesh(job);
  const rows = job.rowsJson.map((json) => JSON.parse(json) as Record<string, unknown>);
  return buildContentGlb(mesh, frame.gltfNodeMatrix(), job.schema, rows, {
    compress: job.compress,
    doubleSided: true,
    secondaryTable: { schema: job.surfaceSchema, rows: SURFACE_ROWS, label: 'surface' },
  });
}
