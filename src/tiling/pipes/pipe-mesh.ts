/**
 * Pipe meshes built with three.js, in a tile's local frame (glTF Y-up: x east, y up, z south):
 *  - circular pipes: an open cylinder per straight piece and a joint sphere wherever the run
 *    bends, changes size or steps, or ends, so pipes look continuous at bends and at nodes shared
 *    with the next segment (a straight run through a node needs none: the cylinders meet flush);
 *  - box culverts and utility tunnels: a box per piece;
 *  - manholes and wells: vertical cylinders from the ground down to their depth;
 *  - valves: a sphere on the main; hydrants: a short post above the ground.
 * Every feature's vertices carry its feature ID and its CJJ 61 colour (lighter when shallow).
 *
 * Far tiles draw each segment as a line of a given width instead (segmentRibbon): a flat strip
 * along its centre line and a vertical one, so it reads from above and from the side alike.
 */
import { BoxGeometry, BufferGeometry, CylinderGeometry, Float32BufferAttribute, Quaternion, SphereGeometry, Vector3 } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import { centreElevationMetres, coverDepthMetres, pipelineColour, shapeHeightMetres, shapeWidthMetres, type PipeSegment, type PointAsset } from '../../domain/pipelines.ts';
import type { TileMesh } from '../extrude.ts';
import { LocalFrame } from '../local-frame.ts';

/** Facets around a pipe: 10 keeps a 1.2 m storm main round at street scale, and tiles small. */
export const PIPE_RADIAL_SEGMENTS = 10;
const JOINT_WIDTH_SEGMENTS = PIPE_RADIAL_SEGMENTS;
const JOINT_HEIGHT_SEGMENTS = 5;
const MANHOLE_RADIUS_METRES = 0.5;
const HYDRANT_HEIGHT_METRES = 0.8;
const UP = new Vector3(0, 1, 0);

/** ENU metres → glTF Y-up. */
function gltf(local: readonly number[]): Vector3 {
  return new Vector3(local[0]!, local[2]!, -local[1]!);
}

function tag(geometry: BufferGeometry, featureId: number, rgb: readonly number[]): BufferGeometry {
  const count = geometry.getAttribute('position').count;
  geometry.deleteAttribute('uv');
  geometry.setAttribute('_feature_id_0', new Float32BufferAttribute(new Float32Array(count).fill(featureId), 1));
  const colours = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) colours.set([rgb[0]!, rgb[1]!, rgb[2]!, 255], i * 4);
  geometry.setAttribute('colour', new Float32BufferAttribute(colours, 4));
  return geometry;
}

/** Positions of a segment's path in the local frame, at its centre-line elevation (ground = ellipsoid 0). */
export function segmentCentreLine(segment: PipeSegment, frame: LocalFrame): Vector3[] {
  const lengths = [0];
  for (let i = 1; i < segment.path.length; i++) {
    const [lon0, lat0] = segment.path[i - 1]!;
    const [lon1, lat1] = segment.path[i]!;
    const a = frame.toLocal(lon0, lat0, 0);
    const b = frame.toLocal(lon1, lat1, 0);
    lengths.push(lengths[i - 1]! + Math.hypot(b[0] - a[0], b[1] - a[1]));
  }
  const total = lengths[lengths.length - 1]! || 1;
  const startCentre = centreElevationMetres(0, segment.start, segment.shape);
  const endCentre = centreElevationMetres(0, segment.end, segment.shape);
  return segment.path.map(([lon, lat], i) => gltf(frame.toLocal(lon, lat, startCentre + ((endCentre - startCentre) * lengths[i]!) / total)));
}

/** Whether a segment needs a joint sphere at its start and end node. */
export interface SegmentJoints {
  start: boolean;
  end: boolean;
}

/** A bend smaller than this (degrees) shows no gap between two cylinders of pipe sizes. */
const STRAIGHT_DEGREES = 1;
/** Centre lines this close (metres) at a node meet flush. */
const FLUSH_METRES = 0.01;

function bendDegrees(incoming: Vector3, outgoing: Vector3): number {
  return (incoming.angleTo(outgoing) * 180) / Math.PI;
}

/**
 * The nodes where a segment's end needs a joint: everywhere except a straight run through a node
 * that joins exactly two circular segments of one diameter at one centre elevation. Dead ends keep
 * theirs (it closes the open tube). Frame-independent: directions are taken in a frame at the node.
 */
export function segmentJoints(segments: readonly PipeSegment[]): Map<string, SegmentJoints> {
  interface End {
    segment: PipeSegment;
    atStart: boolean;
  }
  const byNode = new Map<string, End[]>();
  for (const segment of segments) {
    for (const [node, atStart] of [[segment.fromNodeId, true], [segment.toNodeId, false]] as const) {
      const list = byNode.get(node);
      if (list) list.push({ segment, atStart });
      else byNode.set(node, [{ segment, atStart }]);
    }
  }
  const joints = new Map<string, SegmentJoints>(segments.map((s) => [s.id, { start: true, end: true }]));
  for (const ends of byNode.values()) {
    if (ends.length !== 2) continue;
    const [a, b] = ends as [End, End];
    if (a.segment.shape.kind !== 'circular' || b.segment.shape.kind !== 'circular' || a.segment.shape.diameterMillimetres !== b.segment.shape.diameterMillimetres) continue;
    const [lon, lat] = a.atStart ? a.segment.path[0]! : a.segment.path.at(-1)!;
    const frame = new LocalFrame(lon, lat);
    const leaving = ({ segment, atStart }: End) => {
      const line = segmentCentreLine(segment, frame);
      const [node, next] = atStart ? [line[0]!, line[1]!] : [line.at(-1)!, line.at(-2)!];
      return { node, direction: next.clone().sub(node) };
    };
    const ea = leaving(a);
    const eb = leaving(b);
    if (ea.node.distanceTo(eb.node) > FLUSH_METRES || ea.direction.lengthSq() === 0 || eb.direction.lengthSq() === 0) continue;
    // Leaving the node in opposite directions: a straight run through it.
    if (bendDegrees(ea.direction.negate(), eb.direction) > STRAIGHT_DEGREES) continue;
    joints.get(a.segment.id)![a.atStart ? 'start' : 'end'] = false;
    joints.get(b.segment.id)![b.atStart ? 'start' : 'end'] = false;
  }
  return joints;
}

export function segmentGeometry(segment: PipeSegment, frame: LocalFrame, featureId: number, joints: SegmentJoints = { start: true, end: true }): BufferGeometry {
  const points = segmentCentreLine(segment, frame);
  const depth = Math.max(coverDepthMetres(0, segment.start, segment.shape), coverDepthMetres(0, segment.end, segment.shape));
  const rgb = pipelineColour(segment.type, depth);
  const parts: BufferGeometry[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const direction = b.clone().sub(a);
    const length = direction.length();
    if (length === 0) continue;
    direction.normalize();
    const middle = a.clone().add(b).multiplyScalar(0.5);
    let piece: BufferGeometry;
    if (segment.shape.kind === 'circular') {
      piece = new CylinderGeometry(shapeWidthMetres(segment.shape) / 2, shapeWidthMetres(segment.shape) / 2, length, PIPE_RADIAL_SEGMENTS, 1, true);
      piece.applyQuaternion(new Quaternion().setFromUnitVectors(UP, direction));
    } else {
      // A box along x, turned to the piece's heading; culverts stay level across their width.
      piece = new BoxGeometry(length, shapeHeightMetres(segment.shape), shapeWidthMetres(segment.shape));
      const horizontal = new Vector3(direction.x, 0, direction.z).normalize();
      piece.applyQuaternion(new Quaternion().setFromUnitVectors(new Vector3(1, 0, 0), horizontal));
    }
    piece.translate(middle.x, middle.y, middle.z);
    parts.push(tag(piece, featureId, rgb));
  }
  if (segment.shape.kind === 'circular') {
    // Joint spheres at the bends and at the ends that need one: no gap shows at a bend or a node.
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const needed =
        i === 0 ? joints.start : i === points.length - 1 ? joints.end : bendDegrees(p.clone().sub(points[i - 1]!), points[i + 1]!.clone().sub(p)) > STRAIGHT_DEGREES;
      if (!needed) continue;
      const joint = new SphereGeometry(shapeWidthMetres(segment.shape) / 2, JOINT_WIDTH_SEGMENTS, JOINT_HEIGHT_SEGMENTS);
      joint.translate(p.x, p.y, p.z);
      parts.push(tag(joint, featureId, rgb));
    }
  }
  return mergeGeometries(parts, false)!;
}

/** Tops of ribbons stay this far below the ground, so a wide line never shows above it. */
const RIBBON_GROUND_CLEARANCE_METRES = 0.05;

/**
 * A segment as a line `widthMetres` wide (far tiles): per straight piece, a horizontal strip and a
 * vertical strip crossing on the centre line, each piece lengthened by half the width at both ends
 * so bends show no gap. 4 triangles per piece. The vertical strip stops just below the ground.
 */
export function segmentRibbon(segment: PipeSegment, frame: LocalFrame, featureId: number, widthMetres: number): BufferGeometry {
  const points = segmentCentreLine(segment, frame);
  const depth = Math.max(coverDepthMetres(0, segment.start, segment.shape), coverDepthMetres(0, segment.end, segment.shape));
  const rgb = pipelineColour(segment.type, depth);
  const half = widthMetres / 2;
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  const quad = (corners: Vector3[], normal: Vector3) => {
    const base = positions.length / 3;
    for (const c of corners) {
      positions.push(c.x, c.y, c.z);
      normals.push(normal.x, normal.y, normal.z);
    }
    indices.push(base, base + 1, base + 2, base, base + 2, base + 3);
  };
  for (let i = 1; i < points.length; i++) {
    const along = points[i]!.clone().sub(points[i - 1]!);
    if (along.lengthSq() === 0) continue;
    along.normalize();
    const a = points[i - 1]!.clone().addScaledVector(along, -half);
    const b = points[i]!.clone().addScaledVector(along, half);
    const side = new Vector3(-along.z, 0, along.x);
    if (side.lengthSq() === 0) side.set(1, 0, 0); // a vertical piece
    side.normalize().multiplyScalar(half);
    quad([a.clone().sub(side), b.clone().sub(side), b.clone().add(side), a.clone().add(side)], UP);
    const top = (p: Vector3) => Math.min(p.y + half, -RIBBON_GROUND_CLEARANCE_METRES);
    const bottom = (p: Vector3) => Math.min(p.y - half, top(p) - 0.01);
    const sideNormal = side.clone().normalize();
    quad([new Vector3(a.x, bottom(a), a.z), new Vector3(b.x, bottom(b), b.z), new Vector3(b.x, top(b), b.z), new Vector3(a.x, top(a), a.z)], sideNormal);
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new Float32BufferAttribute(positions, 3));
  geometry.setAttribute('normal', new Float32BufferAttribute(normals, 3));
  geometry.setIndex(indices);
  return tag(geometry, featureId, rgb);
}

/** Point assets drawn by their pipes alone: they have no mesh of their own (and no row in any tile). */
const DRAWN_BY_PIPES: ReadonlySet<PointAsset['kind']> = new Set(['junction', 'service-connection']);

export function hasOwnGeometry(kind: PointAsset['kind']): boolean {
  return !DRAWN_BY_PIPES.has(kind);
}

/** Geometry of a point asset, or undefined for kinds drawn by their pipes (junctions, service connections). */
export function assetGeometry(asset: PointAsset, frame: LocalFrame, featureId: number): BufferGeometry | undefined {
  const ground = gltf(frame.toLocal(asset.lonDegrees, asset.latDegrees, 0));
  const rgb = pipelineColour(asset.type, asset.depthMetres ?? 1);
  let geometry: BufferGeometry;
  switch (asset.kind) {
    case 'manhole':
    case 'well': {
      const depth = asset.depthMetres ?? 2;
      geometry = asset.kind === 'manhole' ? new CylinderGeometry(MANHOLE_RADIUS_METRES, MANHOLE_RADIUS_METRES, depth, 12, 1, false) : new BoxGeometry(1.2, depth, 1.2);
      geometry.translate(ground.x, ground.y - depth / 2, ground.z);
      break;
    }
    case 'valve':
      geometry = new SphereGeometry(0.35, 10, 6);
      geometry.translate(ground.x, ground.y - 1.2, ground.z);
      break;
    case 'hydrant':
      geometry = new CylinderGeometry(0.12, 0.15, HYDRANT_HEIGHT_METRES, 10, 1, false);
      geometry.translate(ground.x, ground.y + HYDRANT_HEIGHT_METRES / 2, ground.z);
      return tag(geometry, featureId, [220, 30, 30]);
    case 'tank':
    case 'reservoir':
      geometry = new CylinderGeometry(6, 6, 8, 24, 1, false);
      geometry.translate(ground.x, ground.y + 4, ground.z);
      break;
    case 'pump':
      geometry = new BoxGeometry(1.5, 1.5, 1.5);
      geometry.translate(ground.x, ground.y - 1.2, ground.z);
      break;
    case 'junction':
    case 'service-connection':
      return undefined;
  }
  return tag(geometry, featureId, rgb);
}

/** Merge feature geometries into one TileMesh (positions, normals, feature IDs, colours, indices). */
export function toTileMesh(geometries: BufferGeometry[]): TileMesh {
  const merged = mergeGeometries(geometries, false)!;
  const position = merged.getAttribute('position');
  const normal = merged.getAttribute('normal');
  const featureId = merged.getAttribute('_feature_id_0');
  const colour = merged.getAttribute('colour');
  const count = position.count;
  const index = merged.index ? Array.from(merged.index.array) : Array.from({ length: count }, (_, i) => i);
  return {
    positions: Float32Array.from(position.array as ArrayLike<number>),
    normals: Float32Array.from(normal.array as ArrayLike<number>),
    featureIds: Uint32Array.from(featureId.array as ArrayLike<number>).some((v) => v > 65535) ? Uint32Array.from(featureId.array as ArrayLike<number>) : Uint16Array.from(featureId.array as ArrayLike<number>),
    colours: Uint8Array.from(colour.array as ArrayLike<number>),
    indices: count < 65536 ? Uint16Array.from(index) : Uint32Array.from(index),
  };
}
