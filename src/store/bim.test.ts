import { describe, expect, it } from 'vitest';
import { createAppStore } from './index.ts';
import { bimElementShown } from './bim.ts';
import { pointerMode } from './measure.ts';

const MODEL = { id: 'duplex', name: 'Duplex', building: 'b-1', tilesetUrl: 'http://x/tiles/demo/bim/duplex/tileset.json', apiUrl: 'http://x/api/bim/models/duplex' };

describe('the BIM slice', () => {
  it('opens with spaces hidden, and leaving resets every choice', () => {
    const store = createAppStore();
    store.getState().openBim(MODEL);
    expect(store.getState().bimStatus).toBe('loading');
    expect(store.getState().bimHiddenClasses).toEqual(['IfcSpace']);
    store.getState().toggleBimStorey('s-1');
    store.getState().isolateBimClass('IfcWall');
    store.getState().setBimSection('horizontal');
    store.getState().setBimSectionPosition(7);
    expect(store.getState().bimSectionPosition).toBe(1);
    store.getState().closeBim();
    const s = store.getState();
    expect([s.bimModel, s.bimStatus, s.bimIsolatedClass, s.bimSection, s.bimHiddenStoreys, s.bimHiddenClasses]).toEqual([undefined, undefined, undefined, 'off', [], ['IfcSpace']]);
    // A status for a model no longer open is dropped.
    store.getState().setBimStatus('ready');
    expect(store.getState().bimStatus).toBeUndefined();
  });

  it.each([
    ['shown by default', {}, 's1', 'IfcWall', true],
    ['a hidden class', { bimHiddenClasses: ['IfcSpace'] }, 's1', 'IfcSpace', false],
    ['a hidden storey', { bimHiddenStoreys: ['s1'] }, 's1', 'IfcWall', false],
    ['another storey isolated', { bimIsolatedStorey: 's2' }, 's1', 'IfcWall', false],
    ['its storey isolated, though hidden in the list', { bimIsolatedStorey: 's1', bimHiddenStoreys: ['s1'] }, 's1', 'IfcWall', true],
    ['another class isolated', { bimIsolatedClass: 'IfcSlab' }, 's1', 'IfcWall', false],
    ['its class isolated, though hidden by default', { bimIsolatedClass: 'IfcSpace', bimHiddenClasses: ['IfcSpace'] }, 's1', 'IfcSpace', true],
    ['its class isolated in another storey isolated', { bimIsolatedClass: 'IfcWall', bimIsolatedStorey: 's2' }, 's1', 'IfcWall', false],
  ])('an element is %s', (_name, choices, storey, ifcClass, shown) => {
    expect(bimElementShown({ bimHiddenStoreys: [], bimHiddenClasses: [], ...choices }, storey, ifcClass)).toBe(shown);
  });

  it('takes map clicks while open, after measuring and the other pointer modes', () => {
    const store = createAppStore();
    expect(pointerMode(store.getState())).toBe('select');
    store.getState().openBim(MODEL);
    expect(pointerMode(store.getState())).toBe('bim');
    store.getState().setMeasureTool('horizontal');
    expect(pointerMode(store.getState())).toBe('measure');
  });
});
