/**
 * EPANET .inp water networks, read by the EPANET engine itself (epanet-js, the toolkit compiled to
 * WebAssembly), not by a parser of our own: junctions, tanks, reservoirs, pipes, pumps, valves,
 * coordinates and vertices, with the file's unit system (US: feet and inches; SI: metres and mm).
 * Networks are placed on the Earth by a CRS (`crs`) or, for arbitrary planar units, by a local
 * origin and a scale (`origin`).
 */
import { CountType, FlowUnits, LinkProperty, LinkType, NodeProperty, NodeType, Project, Workspace } from 'epanet-js';
import { readFile } from 'node:fs/promises';
import type { PipeNetwork, PipeSegment, PointAsset, PointAssetKind } from '../../domain/pipelines.ts';
import { toLonLat } from '../crs.ts';
import { TilingInputError } from '../errors.ts';

/** Cover depth given to EPANET pipes, which carry no depth: a typical water main (about 1–1.5 m). */
export const DEFAULT_WATER_COVER_METRES = 1.2;

export type EpanetPlacement =
  /** Coordinates are in this CRS (for example a state plane or a CGCS2000 zone). */
  | { crs: string }
  /** Arbitrary planar units: the network's bounding-box centre goes to this lon/lat, scaled by metresPerUnit. */
  | { origin: { lonDegrees: number; latDegrees: number }; metresPerUnit: number };

export interface EpanetLink {
  id: string;
  kind: 'pipe' | 'valve' | 'pump';
  /** EPANET's link type: Pipe, CVPipe, PRV, PSV, PBV, FCV, TCV, GPV, Pump. */
  epanetType: string;
  fromNodeId: string;
  toNodeId: string;
}

export interface EpanetReadOptions {
  /** Cover depth given to every pipe (EPANET has none). Default DEFAULT_WATER_COVER_METRES. */
  coverDepthMetres?: number;
}

export interface EpanetNetwork extends PipeNetwork {
  unitSystem: 'US' | 'SI';
  /** The cover depth every pipe was given. */
  coverDepthMetres: number;
  flowUnits: string;
  links: EpanetLink[];
  counts: { junctions: number; tanks: number; reservoirs: number; pipes: number; pumps: number; valves: number; vertices: number };
}

const US_FLOW_UNITS = new Set([FlowUnits.CFS, FlowUnits.GPM, FlowUnits.MGD, FlowUnits.IMGD, FlowUnits.AFD]);
const FEET_TO_METRES = 0.3048;
const INCHES_TO_MILLIMETRES = 25.4;

let workspace: Promise<Workspace> | undefined;
function getWorkspace(): Promise<Workspace> {
  workspace ??= (async () => {
    const ws = new Workspace();
    await ws.loadModule();
    return ws;
  })();
  return workspace;
}

/**
 * EPANET's own error lines from its report, each with the input line it quotes
 * ("Error 203: undefined node J9 in [PIPES] section: P1 J1 J9 100 12 100 0 Open").
 * The report is complete only once the project is closed.
 */
function reportErrors(ws: Workspace, reportFile: string): string[] {
  let lines: string[];
  try {
    lines = ws.readFile(reportFile).split('\n').map((l) => l.trim());
  } catch {
    return [];
  }
  const errors: string[] = [];
  lines.forEach((line, i) => {
    if (!/^Error \d+/.test(line) || /^Error 200\b/.test(line)) return;
    const quoted = lines[i + 1] && !/^Error/.test(lines[i + 1]!) ? ` ${lines[i + 1]}` : '';
    errors.push(`${line}${quoted}`);
  });
  return errors;
}

export async function readEpanetFile(file: string, placement: EpanetPlacement, options: EpanetReadOptions = {}): Promise<EpanetNetwork> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TilingInputError(file, undefined, 'cannot read the file (does it exist?)');
  }
  return readEpanet(text, file, placement, options);
}

export async function readEpanet(text: string, sourceName: string, placement: EpanetPlacement, options: EpanetReadOptions = {}): Promise<EpanetNetwork> {
  const coverDepthMetres = options.coverDepthMetres ?? DEFAULT_WATER_COVER_METRES;
  if (!(coverDepthMetres >= 0)) throw new TilingInputError(sourceName, undefined, `cover depth must be a non-negative number of metres, got ${coverDepthMetres}`);
  const ws = await getWorkspace();
  const project = new Project(ws);
  ws.writeFile('network.inp', text);
  try {
    project.open('network.inp', 'network.rpt', 'network.out');
  } catch (error) {
    try {
      project.close();
    } catch {
      // closing only flushes the report
    }
    const details = reportErrors(ws, 'network.rpt');
    throw new TilingInputError(sourceName, undefined, `EPANET rejected the file: ${details.length ? details.join('; ') : (error as Error).message}`);
  }
  try {
    const flowUnits = project.getFlowUnits();
    const unitSystem = US_FLOW_UNITS.has(flowUnits) ? 'US' : 'SI';
    const lengthToMetres = unitSystem === 'US' ? FEET_TO_METRES : 1;
    const diameterToMillimetres = unitSystem === 'US' ? INCHES_TO_MILLIMETRES : 1;

    const nodeCount = project.getCount(CountType.NodeCount);
    const linkCount = project.getCount(CountType.LinkCount);
    const rawNodes: { id: string; x: number; y: number; type: NodeType; elevationMetres: number }[] = [];
    for (let i = 1; i <= nodeCount; i++) {
      const id = project.getNodeId(i);
      let coordinates: { x: number; y: number };
      try {
        coordinates = project.getCoordinates(i);
      } catch {
        throw new TilingInputError(sourceName, undefined, `node ${id} has no [COORDINATES] entry, so it cannot be placed`);
      }
      rawNodes.push({ id, x: coordinates.x, y: coordinates.y, type: project.getNodeType(i), elevationMetres: project.getNodeValue(i, NodeProperty.Elevation) * lengthToMetres });
    }

    const place = placer(placement, rawNodes, sourceName);
    const nodeById = new Map(rawNodes.map((n) => [n.id, n]));
    const assets: PointAsset[] = rawNodes.map((n) => {
      const [lonDegrees, latDegrees] = place(n.x, n.y);
      const kind: PointAssetKind = n.type === NodeType.Tank ? 'tank' : n.type === NodeType.Reservoir ? 'reservoir' : 'junction';
      return { id: n.id, kind, type: 'water', lonDegrees, latDegrees, groundElevationMetres: n.elevationMetres };
    });

    const segments: PipeSegment[] = [];
    const links: EpanetLink[] = [];
    const counts = { junctions: 0, tanks: 0, reservoirs: 0, pipes: 0, pumps: 0, valves: 0, vertices: 0 };
    for (const n of rawNodes) {
      if (n.type === NodeType.Tank) counts.tanks++;
      else if (n.type === NodeType.Reservoir) counts.reservoirs++;
      else counts.junctions++;
    }
    for (let i = 1; i <= linkCount; i++) {
      const id = project.getLinkId(i);
      const type = project.getLinkType(i);
      const { node1, node2 } = project.getLinkNodes(i);
      const fromNodeId = project.getNodeId(node1);
      const toNodeId = project.getNodeId(node2);
      const epanetType = LinkType[type] ?? String(type);
      const kind = type === LinkType.Pipe || type === LinkType.CVPipe ? 'pipe' : type === LinkType.Pump ? 'pump' : 'valve';
      links.push({ id, kind, epanetType, fromNodeId, toNodeId });
      const from = nodeById.get(fromNodeId)!;
      const to = nodeById.get(toNodeId)!;
      if (kind === 'pipe') {
        counts.pipes++;
        const vertexCount = project.getVertexCount(i);
        counts.vertices += vertexCount;
        const path: [number, number][] = [place(from.x, from.y)];
        for (let v = 1; v <= vertexCount; v++) {
          const { x, y } = project.getVertex(i, v);
          path.push(place(x, y));
        }
        path.push(place(to.x, to.y));
        segments.push({
          id,
          type: 'water',
          shape: { kind: 'circular', diameterMillimetres: project.getLinkValue(i, LinkProperty.Diameter) * diameterToMillimetres },
          path,
          fromNodeId,
          toNodeId,
          start: { depthMetres: coverDepthMetres },
          end: { depthMetres: coverDepthMetres },
          status: 'in-service',
        });
      } else {
        if (kind === 'pump') counts.pumps++;
        else counts.valves++;
        const [lonDegrees, latDegrees] = place((from.x + to.x) / 2, (from.y + to.y) / 2);
        assets.push({ id, kind: kind === 'pump' ? 'pump' : 'valve', type: 'water', lonDegrees, latDegrees, groundElevationMetres: (from.elevationMetres + to.elevationMetres) / 2, ...(kind === 'valve' ? { valveState: 'open' as const } : {}) });
      }
    }
    return { segments, assets, links, counts, unitSystem, coverDepthMetres, flowUnits: FlowUnits[flowUnits] ?? String(flowUnits) };
  } finally {
    project.close();
  }
}

function placer(placement: EpanetPlacement, nodes: { x: number; y: number }[], sourceName: string): (x: number, y: number) => [number, number] {
  if ('crs' in placement) {
    let convert: (x: number, y: number) => [number, number];
    try {
      convert = toLonLat(placement.crs);
    } catch (error) {
      throw new TilingInputError(sourceName, undefined, (error as Error).message);
    }
    return convert;
  }
  const xs = nodes.map((n) => n.x);
  const ys = nodes.map((n) => n.y);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const { lonDegrees, latDegrees } = placement.origin;
  // A transverse Mercator centred on the origin: metres east/north of it, exact at city scale.
  const local = toLonLat(`+proj=tmerc +lat_0=${latDegrees} +lon_0=${lonDegrees} +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs`);
  return (x, y) => local((x - cx) * placement.metresPerUnit, (y - cy) * placement.metresPerUnit);
}
