/**
 * The network document (network.json) the pipeline tiler writes beside each pipeline tileset:
 * every segment and point asset with the IDs the tiles carry, so the viewer can answer what tiles
 * cannot (connections, buildings served, sections, clearance, cover, profiles). Positions are
 * rounded to 1e-7 degrees (about 1 cm) to keep the file small.
 */
import type { PipeNetwork, PipeSegment, PointAsset } from './pipelines.ts';

export const NETWORK_DOCUMENT_FORMAT = 'cim-twin-network';
export const NETWORK_DOCUMENT_VERSION = 1;

export interface NetworkDocument extends PipeNetwork {
  format: typeof NETWORK_DOCUMENT_FORMAT;
  version: number;
}

const round = (degrees: number) => Math.round(degrees * 1e7) / 1e7;

export function networkDocument(network: PipeNetwork): NetworkDocument {
  return {
    format: NETWORK_DOCUMENT_FORMAT,
    version: NETWORK_DOCUMENT_VERSION,
    segments: network.segments.map((s): PipeSegment => ({ ...s, path: s.path.map(([lon, lat]) => [round(lon), round(lat)]) })),
    assets: network.assets.map((a): PointAsset => ({ ...a, lonDegrees: round(a.lonDegrees), latDegrees: round(a.latDegrees) })),
  };
}

/** Check the envelope of a fetched document; throws a message naming what is wrong. */
export function readNetworkDocument(value: unknown): PipeNetwork {
  const doc = value as Partial<NetworkDocument> | null;
  if (!doc || typeof doc !== 'object' || doc.format !== NETWORK_DOCUMENT_FORMAT) throw new Error(`not a ${NETWORK_DOCUMENT_FORMAT} document`);
  if (doc.version !== NETWORK_DOCUMENT_VERSION) throw new Error(`unsupported ${NETWORK_DOCUMENT_FORMAT} version ${String(doc.version)} (this viewer reads version ${NETWORK_DOCUMENT_VERSION})`);
  if (!Array.isArray(doc.segments) || !Array.isArray(doc.assets)) throw new Error('the network document has no segments or assets array');
  return { segments: doc.segments, assets: doc.assets };
}
