/** What both grid stores share: a row ↔ a grid. */
import type { Grid, GridGeometry, GridLayerLevel, GridWorker } from '../../domain/grids/grids.ts';

export interface GridRow {
  code: string;
  level: string;
  name: string;
  parent_code: string | null;
  workers: string;
  geometry: string;
  west: number;
  south: number;
  east: number;
  north: number;
}

export function gridFromRow(row: GridRow): Grid {
  const grid: Grid = {
    code: row.code,
    level: row.level as GridLayerLevel,
    name: row.name,
    workers: JSON.parse(row.workers) as GridWorker[],
    geometry: JSON.parse(row.geometry) as GridGeometry,
    bbox: [row.west, row.south, row.east, row.north],
  };
  if (row.parent_code !== null) grid.parentCode = row.parent_code;
  return grid;
}
