/**
 * Synthetic IFC4 models as STEP text, for tests and the BIM benchmark: a site, a building, storeys
 * and walls (IfcWall with an IfcExtrudedAreaSolid body) on a grid, some sharing one
 * IfcRepresentationMap (mapped items: the tiler's instancing), each storey's walls sharing a
 * property set, each wall with its own quantity set. Optional IfcMapConversion and IfcSite refs.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface SyntheticIfcOptions {
  walls: number;
  storeys?: number;
  /** Every n-th wall uses the shared representation map (0: none). Default 3. */
  shareEvery?: number;
  mapConversion?: { crs: string; eastings: number; northings: number; height: number; xAxisAbscissa: number; xAxisOrdinate: number };
  site?: { latitude: [number, number, number, number]; longitude: [number, number, number, number]; elevation: number };
  /** The IfcSite's own placement (default: the world's origin, unturned). */
  sitePlacement?: { location: [number, number, number]; refDirection?: [number, number, number] };
  /** Distance between walls along X and Y (default 5, 2). */
  spacing?: [number, number];
  /** The project's length unit: an SI prefix such as MILLI (default metres). */
  lengthPrefix?: string;
  /** Leave every wall without a representation (an IFC with no geometry). */
  noGeometry?: boolean;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$';

/** A valid 22-character IFC GlobalId from a number (deterministic). */
export function syntheticGlobalId(n: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < 21; i++) {
    out = ALPHABET[v % 64]! + out;
    v = Math.floor(v / 64);
  }
  return `1${out}`;
}

/** The STEP lines of a synthetic model, a line at a time. */
export function* syntheticIfcLines(options: SyntheticIfcOptions): Generator<string> {
  const storeys = options.storeys ?? 1;
  const shareEvery = options.shareEvery ?? 3;
  let gid = 0;
  const g = () => `'${syntheticGlobalId(++gid)}'`;
  yield 'ISO-10303-21;';
  yield 'HEADER;';
  yield "FILE_DESCRIPTION(('ViewDefinition [ReferenceView]'),'2;1');";
  yield "FILE_NAME('synthetic.ifc','2026-01-01T00:00:00',(''),(''),'cim-twin','cim-twin','');";
  yield "FILE_SCHEMA(('IFC4'));";
  yield 'ENDSEC;';
  yield 'DATA;';
  yield `#1=IFCPROJECT(${g()},$,'Synthetic project',$,$,$,$,(#20),#10);`;
  yield '#10=IFCUNITASSIGNMENT((#11,#12,#13));';
  yield `#11=IFCSIUNIT(*,.LENGTHUNIT.,${options.lengthPrefix ? `.${options.lengthPrefix}.` : '$'},.METRE.);`;
  yield '#12=IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.);';
  yield '#13=IFCSIUNIT(*,.VOLUMEUNIT.,$,.CUBIC_METRE.);';
  yield '#14=IFCCARTESIANPOINT((0.,0.,0.));';
  yield '#15=IFCAXIS2PLACEMENT3D(#14,$,$);';
  yield '#16=IFCDIRECTION((0.,1.));';
  yield '#20=IFCGEOMETRICREPRESENTATIONCONTEXT($,\'Model\',3,1.E-05,#15,#16);';
  if (options.mapConversion) {
    const m = options.mapConversion;
    yield `#21=IFCPROJECTEDCRS('${m.crs}',$,$,$,$,$,$);`;
    yield `#22=IFCMAPCONVERSION(#20,#21,${num(m.eastings)},${num(m.northings)},${num(m.height)},${num(m.xAxisAbscissa)},${num(m.xAxisOrdinate)},$);`;
  }
  const site = options.site;
  yield `#30=IFCSITE(${g()},$,'Site',$,$,#31,$,$,.ELEMENT.,${site ? `(${site.latitude.join(',')})` : '$'},${site ? `(${site.longitude.join(',')})` : '$'},${site ? num(site.elevation) : '$'},$,$);`;
  const sp = options.sitePlacement;
  if (sp) {
    yield `#36=IFCCARTESIANPOINT((${sp.location.map(num).join(',')}));`;
    if (sp.refDirection) yield `#37=IFCDIRECTION((${sp.refDirection.map(num).join(',')}));`;
    yield `#38=IFCAXIS2PLACEMENT3D(#36,$,${sp.refDirection ? '#37' : '$'});`;
  }
  yield `#31=IFCLOCALPLACEMENT($,${sp ? '#38' : '#15'});`;
  yield `#32=IFCBUILDING(${g()},$,'Building',$,$,#33,$,$,.ELEMENT.,$,$,$);`;
  yield '#33=IFCLOCALPLACEMENT(#31,#15);';
  yield `#34=IFCRELAGGREGATES(${g()},$,$,$,#1,(#30));`;
  yield `#35=IFCRELAGGREGATES(${g()},$,$,$,#30,(#32));`;
  // Shared: a wall profile, the extrusion direction, a representation map and a property set per storey.
  yield '#60=IFCRECTANGLEPROFILEDEF(.AREA.,$,#61,4.,0.2);';
  yield '#61=IFCAXIS2PLACEMENT2D(#62,$);';
  yield '#62=IFCCARTESIANPOINT((0.,0.));';
  yield '#63=IFCDIRECTION((0.,0.,1.));';
  yield '#70=IFCEXTRUDEDAREASOLID(#60,#15,#63,3.);';
  yield "#71=IFCSHAPEREPRESENTATION(#20,'Body','SweptSolid',(#70));";
  yield '#72=IFCREPRESENTATIONMAP(#15,#71);';
  yield '#73=IFCCARTESIANTRANSFORMATIONOPERATOR3D($,$,#14,1.,$);';
  yield '#80=IFCPROPERTYSINGLEVALUE(\'IsExternal\',$,IFCBOOLEAN(.T.),$);';
  yield "#81=IFCPROPERTYSINGLEVALUE('FireRating',$,IFCLABEL('REI60'),$);";
  yield '#82=IFCPROPERTYSINGLEVALUE(\'ThermalTransmittance\',$,IFCTHERMALTRANSMITTANCEMEASURE(0.35),$);';
  yield `#83=IFCPROPERTYSET(${g()},$,'Pset_WallCommon',$,(#80,#81,#82));`;
  let next = 100;
  const storeyIds: number[] = [];
  for (let s = 0; s < storeys; s++) {
    const id = next;
    next += 4;
    storeyIds.push(id);
    yield `#${id + 1}=IFCCARTESIANPOINT((0.,0.,${num(s * 3)}));`;
    yield `#${id + 3}=IFCAXIS2PLACEMENT3D(#${id + 1},$,$);`;
    yield `#${id + 2}=IFCLOCALPLACEMENT(#33,#${id + 3});`;
    yield `#${id}=IFCBUILDINGSTOREY(${g()},$,'Level ${s + 1}',$,$,#${id + 2},$,$,.ELEMENT.,${num(s * 3)});`;
  }
  yield `#${next}=IFCRELAGGREGATES(${g()},$,$,$,#32,(${storeyIds.map((i) => `#${i}`).join(',')}));`;
  next++;
  const perStorey = Math.ceil(options.walls / storeys);
  const side = Math.ceil(Math.sqrt(perStorey));
  let wall = 0;
  for (let s = 0; s < storeys; s++) {
    const wallIds: number[] = [];
    for (let k = 0; k < perStorey && wall < options.walls; k++, wall++) {
      const a = next;
      next += 10;
      const x = (k % side) * (options.spacing?.[0] ?? 5);
      const y = Math.floor(k / side) * (options.spacing?.[1] ?? 2);
      yield `#${a}=IFCCARTESIANPOINT((${num(x)},${num(y)},0.));`;
      yield `#${a + 1}=IFCAXIS2PLACEMENT3D(#${a},$,$);`;
      yield `#${a + 2}=IFCLOCALPLACEMENT(#${storeyIds[s]! + 2},#${a + 1});`;
      if (!options.noGeometry) {
        if (shareEvery > 0 && wall % shareEvery === 0) {
          yield `#${a + 3}=IFCMAPPEDITEM(#72,#73);`;
          yield `#${a + 4}=IFCSHAPEREPRESENTATION(#20,'Body','MappedRepresentation',(#${a + 3}));`;
        } else {
          yield `#${a + 3}=IFCEXTRUDEDAREASOLID(#60,#15,#63,${num(2.5 + (wall % 7) * 0.1)});`;
          yield `#${a + 4}=IFCSHAPEREPRESENTATION(#20,'Body','SweptSolid',(#${a + 3}));`;
        }
        yield `#${a + 5}=IFCPRODUCTDEFINITIONSHAPE($,$,(#${a + 4}));`;
      }
      yield `#${a + 6}=IFCWALL(${g()},$,'Wall ${wall + 1}',$,$,#${a + 2},${options.noGeometry ? '$' : `#${a + 5}`},'W${wall + 1}',.STANDARD.);`;
      yield `#${a + 7}=IFCQUANTITYVOLUME('NetVolume',$,$,${num(0.8 * 3)},$);`;
      yield `#${a + 8}=IFCELEMENTQUANTITY(${g()},$,'Qto_WallBaseQuantities',$,$,(#${a + 7}));`;
      yield `#${a + 9}=IFCRELDEFINESBYPROPERTIES(${g()},$,$,$,(#${a + 6}),#${a + 8});`;
      wallIds.push(a + 6);
    }
    if (wallIds.length === 0) continue;
    yield `#${next}=IFCRELCONTAINEDINSPATIALSTRUCTURE(${g()},$,$,$,(${wallIds.map((i) => `#${i}`).join(',')}),#${storeyIds[s]});`;
    yield `#${next + 1}=IFCRELDEFINESBYPROPERTIES(${g()},$,$,$,(${wallIds.map((i) => `#${i}`).join(',')}),#83);`;
    next += 2;
  }
  yield 'ENDSEC;';
  yield 'END-ISO-10303-21;';
}

function num(value: number): string {
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.`;
}

export function syntheticIfc(options: SyntheticIfcOptions): string {
  return `${[...syntheticIfcLines(options)].join('\n')}\n`;
}

/** Write a synthetic model to a file without holding its text. */
export async function writeSyntheticIfc(path: string, options: SyntheticIfcOptions): Promise<void> {
  const stream = createWriteStream(path);
  let chunk: string[] = [];
  for (const line of syntheticIfcLines(options)) {
    chunk.push(line);
    if (chunk.length >= 10_000) {
      if (!stream.write(`${chunk.join('\n')}\n`)) await once(stream, 'drain');
      chunk = [];
    }
  }
  stream.end(`${chunk.join('\n')}\n`);
  await once(stream, 'finish');
}
