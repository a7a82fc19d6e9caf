/**
 * An IFC model opened with web-ifc (WebAssembly), and what the BIM tiler asks of it: its products,
 * the storey each stands in, its material, its property and quantity sets with units, the model's
 * georeference, and its triangles streamed a chunk of products at a time.
 * Relations are read once into maps of express IDs (numbers), never as objects per element.
 */
import * as WebIfc from 'web-ifc';
import type { BimProductInfo, BimProperty, BimPropertySet, BimStorey } from '../../domain/bim.ts';
import type { MapConversionInput, SiteReferenceInput } from './placement.ts';

type Line = Record<string, unknown> & { expressID: number; type: number };
interface Value {
  type: number;
  value: unknown;
  name?: string;
}

const HANDLE = 5;

let api: WebIfc.IfcAPI | undefined;
/** One web-ifc instance per process (its WebAssembly module is 10 MB). */
export async function webIfc(): Promise<WebIfc.IfcAPI> {
  if (!api) {
    const instance = new WebIfc.IfcAPI();
    await instance.Init(undefined, true);
    instance.SetLogLevel(WebIfc.LogLevel.LOG_LEVEL_OFF);
    api = instance;
  }
  return api;
}

function handle(value: unknown): number | undefined {
  const v = value as Value | null | undefined;
  return v && v.type === HANDLE && typeof v.value === 'number' ? v.value : undefined;
}
function handles(value: unknown): number[] {
  return Array.isArray(value) ? value.map(handle).filter((h): h is number => h !== undefined) : [];
}
function text(value: unknown): string {
  const v = value as Value | null | undefined;
  if (v === null || v === undefined) return '';
  const raw = v.value;
  return typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw);
}
function numberOf(value: unknown): number | undefined {
  const v = value as Value | null | undefined;
  if (v === null || v === undefined) return undefined;
  const n = typeof v.value === 'number' ? v.value : Number(v.value);
  return Number.isFinite(n) ? n : undefined;
}

/** A product as the tiler reads it. */
export type ProductInfo = BimProductInfo;

/** Products the tiler does not turn into features, and why. */
export const SPATIAL_CLASSES = new Set(['IfcProject', 'IfcSite', 'IfcBuilding', 'IfcBuildingStorey', 'IfcFacility', 'IfcFacilityPart', 'IfcBridge', 'IfcRoad', 'IfcRailway', 'IfcMarineFacility', 'IfcBridgePart']);

const SI_PREFIX: Record<string, string> = { EXA: 'E', PETA: 'P', TERA: 'T', GIGA: 'G', MEGA: 'M', KILO: 'k', HECTO: 'h', DECA: 'da', DECI: 'd', CENTI: 'c', MILLI: 'm', MICRO: 'µ', NANO: 'n', PICO: 'p' };
const SI_NAME: Record<string, string> = {
  METRE: 'm', SQUARE_METRE: 'm²', CUBIC_METRE: 'm³', GRAM: 'g', SECOND: 's', RADIAN: 'rad', STERADIAN: 'sr', DEGREE_CELSIUS: '°C', KELVIN: 'K',
  NEWTON: 'N', PASCAL: 'Pa', JOULE: 'J', WATT: 'W', VOLT: 'V', AMPERE: 'A', HERTZ: 'Hz', LUMEN: 'lm', LUX: 'lx', CANDELA: 'cd', MOLE: 'mol', OHM: 'Ω', COULOMB: 'C',
};
/** Which unit type a measure's value is in (the project's unit of that type). */
const MEASURE_UNIT: Record<string, string> = {
  IFCLENGTHMEASURE: 'LENGTHUNIT', IFCPOSITIVELENGTHMEASURE: 'LENGTHUNIT', IFCNONNEGATIVELENGTHMEASURE: 'LENGTHUNIT', IFCAREAMEASURE: 'AREAUNIT', IFCVOLUMEMEASURE: 'VOLUMEUNIT',
  IFCPLANEANGLEMEASURE: 'PLANEANGLEUNIT', IFCPOSITIVEPLANEANGLEMEASURE: 'PLANEANGLEUNIT', IFCMASSMEASURE: 'MASSUNIT', IFCTIMEMEASURE: 'TIMEUNIT',
  IFCTHERMODYNAMICTEMPERATUREMEASURE: 'THERMODYNAMICTEMPERATUREUNIT', IFCPOWERMEASURE: 'POWERUNIT', IFCPRESSUREMEASURE: 'PRESSUREUNIT',
  IFCTHERMALTRANSMITTANCEMEASURE: 'THERMALTRANSMITTANCEUNIT', IFCELECTRICCURRENTMEASURE: 'ELECTRICCURRENTUNIT', IFCELECTRICVOLTAGEMEASURE: 'ELECTRICVOLTAGEUNIT',
  IFCVOLUMETRICFLOWRATEMEASURE: 'VOLUMETRICFLOWRATEUNIT', IFCLUMINOUSFLUXMEASURE: 'LUMINOUSFLUXUNIT', IFCFORCEMEASURE: 'FORCEUNIT', IFCFREQUENCYMEASURE: 'FREQUENCYUNIT',
};
const QUANTITY_FIELDS: Record<string, [string, string]> = {
  IFCQUANTITYLENGTH: ['LengthValue', 'LENGTHUNIT'], IFCQUANTITYAREA: ['AreaValue', 'AREAUNIT'], IFCQUANTITYVOLUME: ['VolumeValue', 'VOLUMEUNIT'],
  IFCQUANTITYCOUNT: ['CountValue', ''], IFCQUANTITYWEIGHT: ['WeightValue', 'MASSUNIT'], IFCQUANTITYTIME: ['TimeValue', 'TIMEUNIT'], IFCQUANTITYNUMBER: ['NumberValue', ''],
};

export class IfcModelError extends Error {
  constructor(readonly entity: string | undefined, readonly reason: string) {
    super(entity ? `entity ${entity}: ${reason}` : reason);
    this.name = 'IfcModelError';
  }
}

export class IfcModel {
  private readonly containedIn = new Map<number, number>();
  private readonly aggregatedIn = new Map<number, number>();
  private readonly aggregateParents = new Set<number>();
  private readonly materialOf = new Map<number, number>();
  private readonly psetsOf = new Map<number, number[]>();
  private readonly typeOf = new Map<number, number>();
  private readonly materialNames = new Map<number, string>();
  private readonly units = new Map<string, string>();
  private readonly storeyCache = new Map<number, number | null>();
  readonly schema: string;

  private constructor(readonly api: WebIfc.IfcAPI, readonly modelId: number) {
    this.schema = api.GetModelSchema(modelId);
    this.readRelations();
    this.readUnits();
  }

  /** Open IFC bytes; throws IfcModelError when web-ifc cannot read the schema or the file. */
  static async open(bytes: Uint8Array, schema: string): Promise<IfcModel> {
    const ifc = await webIfc();
    let id: number;
    try {
      id = ifc.OpenModel(bytes, { ALLOW_INCOMPATIBLE_SCHEMA_ALIASES: false, COORDINATE_TO_ORIGIN: false });
    } catch (error) {
      throw new IfcModelError(undefined, `web-ifc cannot read it (${(error as Error)?.message ?? String(error)})`);
    }
    if (id < 0) throw new IfcModelError(undefined, `web-ifc cannot read schema ${schema} (it reads IFC2X3, IFC4 and IFC4X3)`);
    return new IfcModel(ifc, id);
  }

  close(): void {
    this.api.CloseModel(this.modelId);
  }

  line(id: number): Line {
    return this.api.GetLine(this.modelId, id) as Line;
  }

  className(id: number): string {
    return this.api.GetNameFromTypeCode(this.api.GetLineType(this.modelId, id));
  }

  ids(type: number, inherited = false): number[] {
    const vector = this.api.GetLineIDsWithType(this.modelId, type, inherited);
    const out: number[] = [];
    for (let i = 0; i < vector.size(); i++) out.push(vector.get(i));
    return out;
  }

  private readRelations(): void {
    for (const id of this.ids(WebIfc.IFCRELCONTAINEDINSPATIALSTRUCTURE)) {
      const rel = this.line(id);
      const structure = handle(rel['RelatingStructure']);
      if (structure !== undefined) for (const e of handles(rel['RelatedElements'])) this.containedIn.set(e, structure);
    }
    for (const id of this.ids(WebIfc.IFCRELAGGREGATES)) {
      const rel = this.line(id);
      const parent = handle(rel['RelatingObject']);
      if (parent === undefined) continue;
      this.aggregateParents.add(parent);
      for (const e of handles(rel['RelatedObjects'])) this.aggregatedIn.set(e, parent);
    }
    for (const id of this.ids(WebIfc.IFCRELASSOCIATESMATERIAL)) {
      const rel = this.line(id);
      const material = handle(rel['RelatingMaterial']);
      if (material !== undefined) for (const e of handles(rel['RelatedObjects'])) this.materialOf.set(e, material);
    }
    for (const id of this.ids(WebIfc.IFCRELDEFINESBYPROPERTIES)) {
      const rel = this.line(id);
      const definition = handle(rel['RelatingPropertyDefinition']);
      if (definition === undefined) continue;
      for (const e of handles(rel['RelatedObjects'])) {
        const list = this.psetsOf.get(e);
        if (list) list.push(definition);
        else this.psetsOf.set(e, [definition]);
      }
    }
    for (const id of this.ids(WebIfc.IFCRELDEFINESBYTYPE)) {
      const rel = this.line(id);
      const type = handle(rel['RelatingType']);
      if (type !== undefined) for (const e of handles(rel['RelatedObjects'])) this.typeOf.set(e, type);
    }
  }

  private readUnits(): void {
    const project = this.ids(WebIfc.IFCPROJECT)[0];
    if (project === undefined) return;
    const assignment = handle(this.line(project)['UnitsInContext']);
    if (assignment === undefined) return;
    for (const unitId of handles(this.line(assignment)['Units'])) {
      const unit = this.line(unitId);
      const unitType = text(unit['UnitType']);
      const symbol = this.unitSymbol(unit);
      if (unitType && symbol) this.units.set(unitType, symbol);
    }
  }

  private unitSymbol(unit: Line): string {
    const name = text(unit['Name']);
    if (unit.type === WebIfc.IFCSIUNIT) return `${SI_PREFIX[text(unit['Prefix'])] ?? ''}${SI_NAME[name] ?? name.toLowerCase()}`;
    if (unit.type === WebIfc.IFCCONVERSIONBASEDUNIT) return name.toLowerCase();
    return name || '';
  }

  /** The unit of a property's value: its own Unit, else the project's unit for its measure type. */
  private unitFor(measureType: string | undefined, ownUnit: unknown): string | undefined {
    const own = handle(ownUnit);
    if (own !== undefined) return this.unitSymbol(this.line(own)) || undefined;
    const unitType = measureType ? (MEASURE_UNIT[measureType] ?? measureType) : undefined;
    return unitType ? this.units.get(unitType) : undefined;
  }

  /** The project's units by IFC unit type (LENGTHUNIT → "m" …). */
  unitTable(): Record<string, string> {
    return Object.fromEntries(this.units);
  }

  /** The storey an element stands in: its spatial container, or its aggregate's, walked upwards. */
  storeyOf(id: number): number | undefined {
    const cached = this.storeyCache.get(id);
    if (cached !== undefined) return cached ?? undefined;
    let current: number | undefined = id;
    let found: number | undefined;
    for (let hops = 0; current !== undefined && hops < 12; hops++) {
      if (hops > 0 && this.api.GetLineType(this.modelId, current) === WebIfc.IFCBUILDINGSTOREY) {
        found = current;
        break;
      }
      current = this.containedIn.get(current) ?? this.aggregatedIn.get(current);
    }
    this.storeyCache.set(id, found ?? null);
    return found;
  }

  /** Material names reachable from an element's material association (layers, lists, constituents). */
  materialOfElement(id: number): string {
    const material = this.materialOf.get(id) ?? (this.typeOf.has(id) ? this.materialOf.get(this.typeOf.get(id)!) : undefined);
    if (material === undefined) return '';
    let names = this.materialNames.get(material);
    if (names === undefined) {
      const found = new Set<string>();
      this.collectMaterials(material, found, 0);
      names = [...found].join('; ');
      this.materialNames.set(material, names);
    }
    return names;
  }

  private collectMaterials(id: number, found: Set<string>, depth: number): void {
    if (depth > 5 || found.size > 20) return;
    const line = this.line(id);
    if (line.type === WebIfc.IFCMATERIAL) {
      const name = text(line['Name']);
      if (name) found.add(name);
      return;
    }
    for (const [key, value] of Object.entries(line)) {
      if (key === 'expressID' || key === 'type') continue;
      for (const ref of Array.isArray(value) ? handles(value) : [handle(value)].filter((h): h is number => h !== undefined)) this.collectMaterials(ref, found, depth + 1);
    }
  }

  storeys(): BimStorey[] {
    return this.ids(WebIfc.IFCBUILDINGSTOREY).map((id) => {
      const line = this.line(id);
      const parent = this.aggregatedIn.get(id);
      return {
        globalId: text(line['GlobalId']),
        expressId: id,
        name: text(line['Name']) || text(line['LongName']) || `#${id}`,
        elevation: numberOf(line['Elevation']),
        building: parent === undefined ? '' : text(this.line(parent)['Name']),
      };
    });
  }

  product(id: number): ProductInfo {
    const line = this.line(id);
    const storey = this.storeyOf(id);
    const storeyLine = storey === undefined ? undefined : this.line(storey);
    return {
      expressId: id,
      globalId: text(line['GlobalId']),
      ifcClass: this.className(id),
      name: text(line['Name']),
      storey: storeyLine ? text(storeyLine['Name']) || `#${storey}` : '',
      storeyGlobalId: storeyLine ? text(storeyLine['GlobalId']) : '',
      material: this.materialOfElement(id),
      objectType: text(line['ObjectType']),
      tag: text(line['Tag']),
    };
  }

  /** An element's property and quantity sets: its own, then its type's. */
  propertySets(id: number): BimPropertySet[] {
    const sets: BimPropertySet[] = [];
    for (const psetId of this.psetsOf.get(id) ?? []) {
      const set = this.propertySet(psetId, false);
      if (set) sets.push(set);
    }
    const type = this.typeOf.get(id);
    if (type !== undefined) {
      for (const psetId of handles(this.line(type)['HasPropertySets'])) {
        const set = this.propertySet(psetId, true);
        if (set) sets.push(set);
      }
    }
    return sets;
  }

  private propertySet(id: number, fromType: boolean): BimPropertySet | undefined {
    const line = this.line(id);
    const base = { name: text(line['Name']) || `#${id}`, globalId: text(line['GlobalId']) || undefined, ...(fromType ? { fromType } : {}) };
    if (line.type === WebIfc.IFCELEMENTQUANTITY) {
      const properties: BimProperty[] = [];
      for (const qId of handles(line['Quantities'])) {
        const q = this.line(qId);
        const qType = this.api.GetNameFromTypeCode(q.type).toUpperCase();
        const field = QUANTITY_FIELDS[qType];
        if (!field) continue;
        const value = numberOf(q[field[0]]) ?? null;
        const unit = field[1] ? this.unitFor(field[1], q['Unit']) : undefined;
        properties.push({ name: text(q['Name']) || `#${qId}`, value, type: qType, ...(unit ? { unit } : {}) });
      }
      return { ...base, kind: 'quantity', properties };
    }
    if (line.type !== WebIfc.IFCPROPERTYSET) return undefined;
    const properties: BimProperty[] = [];
    for (const pId of handles(line['HasProperties'])) {
      const p = this.line(pId);
      const name = text(p['Name']) || `#${pId}`;
      if (p.type === WebIfc.IFCPROPERTYSINGLEVALUE) {
        const nominal = p['NominalValue'] as Value | null;
        const measure = nominal?.name?.toUpperCase();
        const unit = this.unitFor(measure, p['Unit']);
        properties.push({ name, value: scalar(nominal), ...(measure ? { type: measure } : {}), ...(unit ? { unit } : {}) });
      } else if (p.type === WebIfc.IFCPROPERTYENUMERATEDVALUE || p.type === WebIfc.IFCPROPERTYLISTVALUE) {
        const values = (p['EnumerationValues'] ?? p['ListValues']) as Value[] | null;
        properties.push({ name, value: (values ?? []).map((v) => String(scalar(v))).join(', ') });
      } else {
        properties.push({ name, value: null, type: this.api.GetNameFromTypeCode(p.type).toUpperCase() });
      }
    }
    return { ...base, kind: 'property', properties };
  }

  /** What the file says of its position: IfcMapConversion (IFC4) and IfcSite's reference. */
  georeference(): { mapConversion?: MapConversionInput; site?: SiteReferenceInput; siteEntity?: string } {
    const out: { mapConversion?: MapConversionInput; site?: SiteReferenceInput; siteEntity?: string } = {};
    const conversionType = (WebIfc as unknown as Record<string, number>)['IFCMAPCONVERSION'];
    const conversions = conversionType === undefined ? [] : this.safeIds(conversionType);
    if (conversions.length > 0) {
      const mc = this.line(conversions[0]!);
      const target = handle(mc['TargetCRS']);
      const crs = target === undefined ? '' : text(this.line(target)['Name']);
      const eastings = numberOf(mc['Eastings']);
      const northings = numberOf(mc['Northings']);
      if (!crs || eastings === undefined || northings === undefined) throw new IfcModelError(`#${conversions[0]} (IfcMapConversion)`, 'has no TargetCRS name, Eastings or Northings');
      out.mapConversion = {
        crs,
        eastings,
        northings,
        orthogonalHeight: numberOf(mc['OrthogonalHeight']) ?? 0,
        xAxisAbscissa: numberOf(mc['XAxisAbscissa']),
        xAxisOrdinate: numberOf(mc['XAxisOrdinate']),
        scale: numberOf(mc['Scale']),
      };
    }
    const siteId = this.ids(WebIfc.IFCSITE)[0];
    if (siteId !== undefined) {
      const site = this.line(siteId);
      const lat = compound(site['RefLatitude']);
      const lon = compound(site['RefLongitude']);
      if (lat && lon) {
        // RefElevation is an IfcLengthMeasure and the site's placement is in the project's length unit;
        // web-ifc's geometry is in metres.
        const metres = this.metresPerLengthUnit();
        const elevation = numberOf(site['RefElevation']);
        const placement = handle(site['ObjectPlacement']);
        const origin = placement === undefined ? undefined : this.placementMatrix(placement).slice(12, 15).map((v) => v * metres);
        out.site = {
          refLatitude: lat,
          refLongitude: lon,
          refElevation: elevation === undefined ? undefined : elevation * metres,
          trueNorth: this.trueNorth(),
          ...(origin ? { siteOrigin: origin as [number, number, number] } : {}),
        };
        out.siteEntity = `#${siteId}`;
      }
    }
    return out;
  }

  /**
   * An object placement as a column-major 4×4 to the world (IFC axes, Z up, the project's length unit):
   * an IfcLocalPlacement's RelativePlacement composed with its PlacementRelTo's, up to the world.
   * Other placements (grid, linear) are web-ifc's own world transform.
   */
  placementMatrix(id: number): number[] {
    let matrix = IDENTITY;
    const seen = new Set<number>();
    for (let current: number | undefined = id; current !== undefined && !seen.has(current); ) {
      seen.add(current);
      const line = this.line(current);
      if (line.type !== WebIfc.IFCLOCALPLACEMENT) {
        let world = IDENTITY;
        try {
          const flat = this.api.GetWorldTransformMatrix(this.modelId, current);
          if (flat.length === 16 && flat.every(Number.isFinite)) world = [...flat];
        } catch {
          // web-ifc cannot place it either: the world's origin.
        }
        return multiply4(world, matrix);
      }
      const relative = handle(line['RelativePlacement']);
      if (relative !== undefined) matrix = multiply4(this.axisPlacement(relative), matrix);
      current = handle(line['PlacementRelTo']);
    }
    return matrix;
  }

  /** IfcAxis2Placement3D (Location, Axis, RefDirection) or IfcAxis2Placement2D as a column-major 4×4. */
  private axisPlacement(id: number): number[] {
    const line = this.line(id);
    const vector = (ref: unknown, field: string): number[] | undefined => {
      const target = handle(ref);
      if (target === undefined) return undefined;
      const values = (this.line(target)[field] as Value[] | undefined)?.map((v) => numberOf(v) ?? 0);
      return values && values.length >= 2 ? [values[0]!, values[1]!, values[2] ?? 0] : undefined;
    };
    const location = vector(line['Location'], 'Coordinates') ?? [0, 0, 0];
    const z = normalise(line.type === WebIfc.IFCAXIS2PLACEMENT3D ? (vector(line['Axis'], 'DirectionRatios') ?? [0, 0, 1]) : [0, 0, 1]) ?? [0, 0, 1];
    const reference = vector(line['RefDirection'], 'DirectionRatios') ?? [1, 0, 0];
    // The x-axis: RefDirection made perpendicular to the z-axis (IFC's BuildAxes).
    const perpendicular = (v: number[]) => {
      const along = v[0]! * z[0]! + v[1]! * z[1]! + v[2]! * z[2]!;
      return normalise(v.map((c, k) => c - along * z[k]!));
    };
    const x = perpendicular(reference) ?? perpendicular([1, 0, 0]) ?? perpendicular([0, 1, 0])!;
    const y = [z[1]! * x[2]! - z[2]! * x[1]!, z[2]! * x[0]! - z[0]! * x[2]!, z[0]! * x[1]! - z[1]! * x[0]!];
    return [x[0]!, x[1]!, x[2]!, 0, y[0]!, y[1]!, y[2]!, 0, z[0]!, z[1]!, z[2]!, 0, location[0]!, location[1]!, location[2]!, 1];
  }

  /** Metres per the project's length unit (IfcSIUnit with its prefix, or a conversion-based unit such as FOOT). */
  metresPerLengthUnit(): number {
    const project = this.ids(WebIfc.IFCPROJECT)[0];
    const assignment = project === undefined ? undefined : handle(this.line(project)['UnitsInContext']);
    if (assignment === undefined) return 1;
    for (const unitId of handles(this.line(assignment)['Units'])) {
      const unit = this.line(unitId);
      if (text(unit['UnitType']) === 'LENGTHUNIT') return this.unitScale(unit, 0) ?? 1;
    }
    return 1;
  }

  private unitScale(unit: Line, depth: number): number | undefined {
    if (unit.type === WebIfc.IFCSIUNIT) return SI_FACTOR[text(unit['Prefix'])] ?? 1;
    if (unit.type !== WebIfc.IFCCONVERSIONBASEDUNIT || depth > 3) return undefined;
    const factor = handle(unit['ConversionFactor']);
    if (factor === undefined) return undefined;
    const measure = this.line(factor);
    const value = numberOf(measure['ValueComponent']);
    const base = handle(measure['UnitComponent']);
    const baseScale = base === undefined ? 1 : this.unitScale(this.line(base), depth + 1);
    return value === undefined || baseScale === undefined ? undefined : value * baseScale;
  }

  private safeIds(type: number): number[] {
    try {
      return this.ids(type);
    } catch {
      return []; // a type the schema does not have (IfcMapConversion in IFC2X3)
    }
  }

  private trueNorth(): [number, number] | undefined {
    for (const id of this.ids(WebIfc.IFCGEOMETRICREPRESENTATIONCONTEXT)) {
      const north = handle(this.line(id)['TrueNorth']);
      if (north === undefined) continue;
      const ratios = (this.line(north)['DirectionRatios'] as Value[] | undefined)?.map((v) => numberOf(v) ?? 0);
      if (ratios && ratios.length >= 2) return [ratios[0]!, ratios[1]!];
    }
    return undefined;
  }

  /** Every IfcProduct's express ID (inherited types included). */
  products(): number[] {
    return this.ids(WebIfc.IFCPRODUCT, true);
  }

  hasRepresentation(id: number): boolean {
    return handle(this.line(id)['Representation']) !== undefined;
  }

  isOpening(id: number): boolean {
    const type = this.api.GetLineType(this.modelId, id);
    return type === WebIfc.IFCOPENINGELEMENT || (WebIfc as unknown as Record<string, number>)['IFCOPENINGSTANDARDCASE'] === type;
  }

  /** Products that aggregate others (IfcRoof of its slabs, IfcStair of its flights). */
  isAggregate(id: number): boolean {
    return this.aggregateParents.has(id);
  }

  /** Triangulated meshes of these products, one callback each (web-ifc's coordinates: metres, Y up). */
  streamMeshes(ids: number[], callback: (mesh: WebIfc.FlatMesh) => void): void {
    this.api.StreamMeshes(this.modelId, ids, (mesh) => callback(mesh));
  }

  /** Vertices (x, y, z, nx, ny, nz interleaved) and indices of one geometry; copies out of WebAssembly memory. */
  geometry(geometryExpressId: number): { vertices: Float32Array; indices: Uint32Array } {
    const geometry = this.api.GetGeometry(this.modelId, geometryExpressId);
    try {
      const vertices = this.api.GetVertexArray(geometry.GetVertexData(), geometry.GetVertexDataSize()).slice();
      const indices = this.api.GetIndexArray(geometry.GetIndexData(), geometry.GetIndexDataSize()).slice();
      return { vertices, indices };
    } finally {
      geometry.delete();
    }
  }
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const SI_FACTOR: Record<string, number> = { EXA: 1e18, PETA: 1e15, TERA: 1e12, GIGA: 1e9, MEGA: 1e6, KILO: 1e3, HECTO: 100, DECA: 10, DECI: 0.1, CENTI: 0.01, MILLI: 0.001, MICRO: 1e-6, NANO: 1e-9, PICO: 1e-12 };

/** a · b, column-major 4×4. */
function multiply4(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let col = 0; col < 4; col++) for (let row = 0; row < 4; row++) for (let k = 0; k < 4; k++) out[col * 4 + row]! += a[k * 4 + row]! * b[col * 4 + k]!;
  return out;
}

function normalise(v: readonly number[]): number[] | undefined {
  const length = Math.hypot(v[0]!, v[1]!, v[2]!);
  return length > 1e-12 ? v.map((c) => c / length) : undefined;
}

function compound(value: unknown): number[] | undefined {
  const v = value as Value | null | undefined;
  if (!v || !Array.isArray(v.value)) return undefined;
  const parts = (v.value as unknown[]).map((p) => (typeof p === 'number' ? p : Number((p as Value)?.value ?? p)));
  return parts.every(Number.isFinite) && parts.length >= 2 ? parts : undefined;
}

function scalar(value: Value | null | undefined): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  const raw = value.value;
  const name = value.name?.toUpperCase();
  if ((name === 'IFCBOOLEAN' || name === 'IFCLOGICAL') && typeof raw === 'string') return raw === 'T' ? true : raw === 'F' ? false : raw;
  if (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  return raw === undefined || raw === null ? null : String(raw);
}
