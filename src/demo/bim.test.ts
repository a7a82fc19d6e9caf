import { describe, expect, it } from 'vitest';
import { generateDistrict } from './district.ts';
import { generateLifecycles } from './lifecycle.ts';
import { bimOrigin, pickBimPlot, withCompletionModel, type BimPlot, type ModelExtent } from './bim.ts';

/** The Duplex sample's extent in its own metres, as the IFC tiler placed it unrotated (start.ts measures it the same way). */
const DUPLEX: ModelExtent = { minimumX: -0.24, maximumX: 9.04, minimumY: -22.3, maximumY: 4.41 };

/** Model (x, y) to east/north metres at a heading (the tiler's modelToEnu). */
function enu(headingDegrees: number, x: number, y: number): [number, number] {
  const a = (-headingDegrees * Math.PI) / 180;
  return [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a)];
}

describe('the demo completion model (竣工模型)', () => {
  const district = generateDistrict();

  it('goes on the smallest low rectangular plot that holds it, long side along long side', () => {
    const plot = pickBimPlot(district, DUPLEX)!;
    expect(plot).toBeDefined();
    expect(plot.longSideMetres).toBeGreaterThanOrEqual(26.71 + 1);
    expect(plot.shortSideMetres).toBeGreaterThanOrEqual(9.28 + 1);
    const building = district.buildings.find((b) => b.properties.id === plot.buildingId)!;
    expect(building.properties.use).not.toBe('industrial');
    expect(building.parts[0]!.heightMetres).toBeLessThanOrEqual(24);
    // Nothing smaller fits: a model too large for every plot finds none.
    expect(pickBimPlot(district, { ...DUPLEX, maximumY: 500 })).toBeUndefined();
    // The filter is honoured.
    expect(pickBimPlot(district, DUPLEX, (id) => id !== plot.buildingId)?.buildingId).not.toBe(plot.buildingId);
  });

  it.each([
    ['east-west plot', 90],
    ['north-south plot', 0],
    ['oblique plot', 33],
  ])('puts the model centre on the plot centre (%s)', (_name, heading) => {
    const plot: BimPlot = { buildingId: 'b', name: '', lonDegrees: 113.12, latDegrees: 23.02, longSideHeadingDegrees: heading, longSideMetres: 40, shortSideMetres: 11 };
    const origin = bimOrigin(plot, DUPLEX);
    // The Duplex is long along its Y axis: +Y follows the plot's long side.
    expect(origin.headingDegrees).toBeCloseTo(heading, 6);
    const [east, north] = enu(origin.headingDegrees, (DUPLEX.minimumX + DUPLEX.maximumX) / 2, (DUPLEX.minimumY + DUPLEX.maximumY) / 2);
    const centreLon = origin.lonDegrees + east / (111_320 * Math.cos((23.02 * Math.PI) / 180));
    const centreLat = origin.latDegrees + north / 111_320;
    expect(Math.abs(centreLon - plot.lonDegrees) * 102_500).toBeLessThan(0.01);
    expect(Math.abs(centreLat - plot.latDegrees) * 110_700).toBeLessThan(0.01);
  });

  it('names the model in the completion stage of the lifecycle record, once', () => {
    const plot = pickBimPlot(district, DUPLEX)!;
    const record = generateLifecycles(district).find((r) => r.buildingId === plot.buildingId)!;
    const model = { modelId: 'duplex', source: 'Duplex_A_20110907.ifc' };
    const linked = withCompletionModel(record, model);
    const stage = linked.stages.find((s) => s.stage === 'completion-acceptance')!;
    expect(stage.note).toContain('竣工模型');
    expect(stage.note).toContain('Duplex_A_20110907.ifc');
    expect(stage.attachments).toEqual([{ name: '竣工模型 Duplex_A_20110907.ifc', url: '/api/bim/models/duplex' }]);
    expect(withCompletionModel(linked, model)).toBe(linked);
    // The other stages are as they were.
    expect(linked.stages.filter((s) => s.stage !== 'completion-acceptance')).toEqual(record.stages.filter((s) => s.stage !== 'completion-acceptance'));
    const planned = { ...record, stages: record.stages.filter((s) => s.stage !== 'completion-acceptance') };
    expect(withCompletionModel(planned, model)).toBe(planned);
  });
});
