/**
 * The demo district's grids (网格): the 9 × 9 cells between its street centre lines are unit
 * grids (单元网格, bounded by streets as GB/T 30428.1 asks), 3 × 3 of them a community (社区),
 * three columns of communities a street (街道). Codes follow grid-codes.json: street
 * 440604001–003, community +001–003 (south to north), unit grid +01–09. Every polygon walks through
 * each street crossing on its boundary, so neighbours share their edges exactly (also across levels).
 * Pure: generated from the district's streets, in lon/lat through the district's projection.
 */
import { DISTRICT_CODE, localToLonLat, type District } from './district.ts';
import type { GridInput, Position } from '../domain/grids/grids.ts';

const STREET_NAMES = ['祖庙街道', '石湾镇街道', '张槎街道'];
const COMMUNITY_NAMES = [
  ['普君社区', '升平社区', '朝安社区'],
  ['澜石社区', '东华社区', '莲塘社区'],
  ['江湾社区', '大富社区', '弼塘社区'],
];
const WORKERS = ['陈丽', '李明', '王芳', '张伟', '刘洋', '黄敏', '周杰', '吴静', '徐涛', '孙悦', '胡军', '朱琳', '高峰', '林晓', '何平', '郭娟', '马超', '罗欣'];
const CELLS_PER_COMMUNITY = 3;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The demo's street, community and unit grids (9 + … : 3 streets, 9 communities, 81 unit grids). */
export function generateGrids(district: District, convert: (p: Position) => Position = localToLonLat()): GridInput[] {
  const northSouth = district.streets.filter((s) => s.line[0][0] === s.line[1][0]).map((s) => s.line[0][0]).sort((a, b) => a - b);
  const eastWest = district.streets.filter((s) => s.line[0][1] === s.line[1][1]).map((s) => s.line[0][1]).sort((a, b) => a - b);
  const corner = (column: number, row: number): Position => convert([northSouth[column]!, eastWest[row]!]);
  /** The ring of the cells [c0, c1) × [r0, r1), through every crossing on its edges, anticlockwise. */
  const ring = (c0: number, r0: number, c1: number, r1: number): Position[] => {
    const positions: Position[] = [];
    for (let c = c0; c < c1; c++) positions.push(corner(c, r0));
    for (let r = r0; r < r1; r++) positions.push(corner(c1, r));
    for (let c = c1; c > c0; c--) positions.push(corner(c, r1));
    for (let r = r1; r > r0; r--) positions.push(corner(c0, r));
    positions.push(positions[0]!);
    return positions;
  };
  const columns = northSouth.length - 1;
  const rows = eastWest.length - 1;
  const grids: GridInput[] = [];
  let worker = 0;
  const nextWorker = () => ({ name: `网格员 ${WORKERS[worker++ % WORKERS.length]!}`, phone: `0757-8${pad(2_000_000 + worker * 137, 7)}` });
  for (let s = 0; s < columns / CELLS_PER_COMMUNITY; s++) {
    const streetCode = `${DISTRICT_CODE}${pad(s + 1, 3)}`;
    const c0 = s * CELLS_PER_COMMUNITY;
    grids.push({ code: streetCode, name: STREET_NAMES[s] ?? `第${s + 1}街道`, workers: [], geometry: { type: 'Polygon', coordinates: [ring(c0, 0, c0 + CELLS_PER_COMMUNITY, rows)] } });
    for (let m = 0; m < rows / CELLS_PER_COMMUNITY; m++) {
      const communityCode = `${streetCode}${pad(m + 1, 3)}`;
      const communityName = COMMUNITY_NAMES[s]?.[m] ?? `第${m + 1}社区`;
      const r0 = m * CELLS_PER_COMMUNITY;
      grids.push({ code: communityCode, name: communityName, workers: [nextWorker()], geometry: { type: 'Polygon', coordinates: [ring(c0, r0, c0 + CELLS_PER_COMMUNITY, r0 + CELLS_PER_COMMUNITY)] } });
      for (let r = 0; r < CELLS_PER_COMMUNITY; r++) {
        for (let c = 0; c < CELLS_PER_COMMUNITY; c++) {
          const sequence = r * CELLS_PER_COMMUNITY + c + 1;
          grids.push({
            code: `${communityCode}${pad(sequence, 2)}`,
            name: `${communityName}第${pad(sequence, 2)}网格`,
            workers: [nextWorker()],
            geometry: { type: 'Polygon', coordinates: [ring(c0 + c, r0 + r, c0 + c + 1, r0 + r + 1)] },
          });
        }
      }
    }
  }
  return grids;
}
