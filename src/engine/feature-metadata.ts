/**
 * What a picked feature's metadata says, as plain data for the store: every property with its
 * schema definition (type, component type, semantic, description), and the 3D Tiles 1.1 metadata
 * of the layer around it: tileset, tile, implicit subtree, group and content. Cesium exposes these
 * as tileset.metadata, tile.metadata, tile.implicitSubtree.metadata, content.group.metadata and
 * content.metadata; they are marked private in its types, so they are read through narrow
 * structural types here.
 */
import { Cartesian2, Cartesian3, Cartesian4, Matrix2, Matrix3, Matrix4, type Cesium3DTileFeature, type MetadataClass, type MetadataClassProperty } from 'cesium';
import type { PropertyDefinitionInfo } from '../domain/property-values.ts';
import type { MetadataLevel, MetadataSection, PropertyEntry } from '../store/index.ts';

interface MetadataEntityLike {
  class?: MetadataClass;
  getPropertyIds(results?: string[]): string[];
  getProperty(propertyId: string): unknown;
}

interface ContentLike {
  tileset?: { metadata?: MetadataEntityLike };
  tile?: { metadata?: MetadataEntityLike; implicitSubtree?: { metadata?: MetadataEntityLike } };
  group?: { metadata?: MetadataEntityLike };
  metadata?: MetadataEntityLike;
  /** ModelFeatureTable of glTF content; its property table knows the class (EXT_structural_metadata). */
  batchTable?: { _propertyTable?: { class?: MetadataClass } };
}

/** A feature's tile content (documented on Cesium3DTileFeature, though private in its types). */
function contentOf(feature: Cesium3DTileFeature): ContentLike {
  return (feature as unknown as { content: ContentLike }).content;
}

/** A Cesium value as plain data: vectors and matrices as arrays of numbers. */
export function plainValue(value: unknown): unknown {
  if (value instanceof Cartesian2) return [value.x, value.y];
  if (value instanceof Cartesian3) return [value.x, value.y, value.z];
  if (value instanceof Cartesian4) return [value.x, value.y, value.z, value.w];
  if (value instanceof Matrix2 || value instanceof Matrix3 || value instanceof Matrix4) return Array.from(value as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plainValue);
  return value;
}

function definitionOf(property: MetadataClassProperty | undefined): PropertyDefinitionInfo | undefined {
  if (!property) return undefined;
  const definition: PropertyDefinitionInfo = {};
  if (property.type) definition.type = String(property.type);
  if (property.componentType) definition.componentType = String(property.componentType);
  if (property.semantic) definition.semantic = property.semantic;
  if (property.description) definition.description = property.description;
  if (property.name) definition.name = property.name;
  return definition;
}

function entries(ids: readonly string[], read: (id: string) => unknown, metadataClass: MetadataClass | undefined): PropertyEntry[] {
  return ids.map((id) => {
    const definition = definitionOf(metadataClass?.properties[id] as MetadataClassProperty | undefined);
    const entry: PropertyEntry = { id, value: plainValue(read(id)) };
    if (definition) entry.definition = definition;
    return entry;
  });
}

function section(level: MetadataLevel, entity: MetadataEntityLike | undefined): MetadataSection | undefined {
  if (!entity) return undefined;
  const metadataClass = entity.class;
  const properties = entries(entity.getPropertyIds(), (id) => entity.getProperty(id), metadataClass);
  if (properties.length === 0) return undefined;
  const result: MetadataSection = { level, properties };
  if (metadataClass?.id) result.classId = metadataClass.id;
  if (metadataClass?.name) result.className = metadataClass.name;
  return result;
}

/** Every property of a picked feature (from its property table or batch table), with its schema definition when there is one. */
export function describedProperties(feature: Cesium3DTileFeature): PropertyEntry[] {
  const content = contentOf(feature);
  const metadataClass = content.batchTable?._propertyTable?.class;
  return entries(feature.getPropertyIds(), (id) => feature.getProperty(id) as unknown, metadataClass);
}

/** The 3D Tiles 1.1 metadata around a feature, most general first: tileset, group, tile, subtree, content. */
export function layerMetadata(feature: Cesium3DTileFeature): MetadataSection[] {
  const content = contentOf(feature);
  const sections = [
    section('tileset', content.tileset?.metadata ?? (feature.tileset as unknown as { metadata?: MetadataEntityLike }).metadata),
    section('group', content.group?.metadata),
    section('tile', content.tile?.metadata),
    section('subtree', content.tile?.implicitSubtree?.metadata),
    section('content', content.metadata),
  ];
  return sections.filter((s) => s !== undefined);
}
