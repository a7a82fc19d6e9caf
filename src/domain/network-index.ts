/**
 * Lookups over a pipe network by the one ID per asset that tiles, sensors and records share:
 * what a segment or asset connects to, and which buildings it serves through service
 * connections (接户管). Pure; built once per network.
 */
import { localProjection } from './geometry.ts';
import type { PipeNetwork, PipeSegment, PointAsset } from './pipelines.ts';

export interface Connections {
  /** Point assets at the feature's ends (a segment) or the asset itself's neighbours. */
  assets: PointAsset[];
  /** Segments sharing a node with it. */
  segments: PipeSegment[];
}

export class NetworkIndex {
  readonly segmentsById = new Map<string, PipeSegment>();
  readonly assetsById = new Map<string, PointAsset>();
  private readonly segmentsByNode = new Map<string, PipeSegment[]>();

  constructor(readonly network: PipeNetwork) {
    for (const s of network.segments) {
      this.segmentsById.set(s.id, s);
      for (const node of [s.fromNodeId, s.toNodeId]) {
        const list = this.segmentsByNode.get(node);
        if (list) list.push(s);
        else this.segmentsByNode.set(node, [s]);
      }
    }
    for (const a of network.assets) this.assetsById.set(a.id, a);
  }

  segmentsAt(nodeId: string): readonly PipeSegment[] {
    return this.segmentsByNode.get(nodeId) ?? [];
  }

  /** The node at the other end of a segment. */
  otherEnd(segment: PipeSegment, nodeId: string): string {
    return segment.fromNodeId === nodeId ? segment.toNodeId : segment.fromNodeId;
  }

  connections(id: string): Connections | undefined {
    const segment = this.segmentsById.get(id);
    if (segment) {
      const nodes = [segment.fromNodeId, segment.toNodeId];
      return {
        assets: nodes.map((n) => this.assetsById.get(n)).filter((a): a is PointAsset => a !== undefined),
        segments: unique(nodes.flatMap((n) => this.segmentsAt(n)).filter((s) => s !== segment)),
      };
    }
    const asset = this.assetsById.get(id);
    if (!asset) return undefined;
    const segments = [...this.segmentsAt(id)];
    return { assets: unique(segments.map((s) => this.assetsById.get(this.otherEnd(s, id))).filter((a): a is PointAsset => a !== undefined)), segments };
  }

  /**
   * Buildings served directly: through the service connections tapped at a segment's ends (or at
   * an asset), and the building at the end of a service pipe itself.
   */
  buildingsServed(id: string): string[] {
    const segment = this.segmentsById.get(id);
    const nodes = segment ? [segment.fromNodeId, segment.toNodeId] : this.assetsById.has(id) ? [id] : [];
    const buildings = new Set<string>();
    for (const node of nodes) {
      const here = this.assetsById.get(node)?.buildingId;
      if (here) buildings.add(here);
      for (const s of this.segmentsAt(node)) {
        const far = this.assetsById.get(this.otherEnd(s, node))?.buildingId;
        if (far && (s === segment || this.assetsById.get(this.otherEnd(s, node))?.kind === 'service-connection')) buildings.add(far);
      }
    }
    return [...buildings].sort();
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** The local metres the analyses of a network work in: centred on its first position. */
export function networkProjection(network: PipeNetwork): ReturnType<typeof localProjection> {
  const first = network.segments[0]?.path[0] ?? [network.assets[0]?.lonDegrees ?? 0, network.assets[0]?.latDegrees ?? 0];
  return localProjection(first[0], first[1]);
}
