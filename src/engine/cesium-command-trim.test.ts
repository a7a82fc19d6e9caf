/** Stale draw-command slots of CesiumJS's frustum command lists are dropped after a frame. */
import * as Cesium from 'cesium';
import { Event, type Scene } from 'cesium';
import { describe, expect, test } from 'vitest';
import { trimStaleCommandsAfterRender, truncateStaleCommands } from './cesium-command-trim.ts';

// CesiumJS's own classes: exported by the package, private in its types.
const { FrustumCommands, Pass } = Cesium as unknown as {
  FrustumCommands: new (near?: number, far?: number) => { commands: unknown[][]; indices: number[] };
  Pass: { OPAQUE: number; TRANSLUCENT: number; NUMBER_OF_PASSES: number };
};

/** A draw command, as far as the trim is concerned: something a destroyed model would still own. */
const command = (name: string) => ({ name });

/** Bin commands into a FrustumCommands as View.js does each frame: reset the indices, write slots. */
function bin(frustumCommands: { commands: unknown[][]; indices: number[] }, pass: number, commands: unknown[]) {
  frustumCommands.indices.fill(0);
  for (const c of commands) frustumCommands.commands[pass]![frustumCommands.indices[pass]!++] = c;
}

describe('truncateStaleCommands', () => {
  test('drops the commands an earlier frame left past this frame’s indices, keeps this frame’s', () => {
    const near = new FrustumCommands(1, 1000);
    const far = new FrustumCommands(1000, 1e6);
    const gone = [command('unloaded tile A'), command('unloaded tile B'), command('unloaded tile C')];
    const kept = command('tile in view');
    bin(near, Pass.OPAQUE, [...gone, command('x')]);
    bin(far, Pass.TRANSLUCENT, gone);
    // The next frame draws one command in the near frustum and none in the far one.
    bin(near, Pass.OPAQUE, [kept]);
    far.indices.fill(0);

    expect(truncateStaleCommands({ frustumCommandsList: [near, far] })).toBe(6);

    expect(near.commands[Pass.OPAQUE]).toEqual([kept]);
    expect(far.commands[Pass.TRANSLUCENT]).toEqual([]);
    for (const stale of gone) {
      expect(near.commands.flat()).not.toContain(stale);
      expect(far.commands.flat()).not.toContain(stale);
    }
    expect(near.commands).toHaveLength(Pass.NUMBER_OF_PASSES);
  });

  test('leaves a list with nothing stale as it is', () => {
    const frustum = new FrustumCommands(1, 1000);
    const a = command('a');
    bin(frustum, Pass.OPAQUE, [a]);
    expect(truncateStaleCommands({ frustumCommandsList: [frustum] })).toBe(0);
    expect(frustum.commands[Pass.OPAQUE]).toEqual([a]);
  });

  test.each([
    ['undefined', undefined],
    ['a View with no frustumCommandsList (a renamed field)', { frustumCommands: [] }],
    ['entries of another shape', { frustumCommandsList: [null, 3, { commands: [[command('a')]] }, { commands: [[command('a')]], indices: ['0'] }] }],
  ])('does nothing to %s', (_name, view) => {
    const before = JSON.stringify(view);
    expect(truncateStaleCommands(view)).toBe(0);
    expect(JSON.stringify(view)).toBe(before);
  });
});

describe('trimStaleCommandsAfterRender', () => {
  test('trims the default view and the pick view after each frame, until removed', () => {
    const shown = new FrustumCommands(1, 1000);
    const picked = new FrustumCommands(1, 1000);
    const postRender = new Event();
    const scene = { postRender, _defaultView: { frustumCommandsList: [shown] }, _picking: { _pickOffscreenView: { frustumCommandsList: [picked] } } };
    const remove = trimStaleCommandsAfterRender(scene as unknown as Scene);

    bin(shown, Pass.OPAQUE, [command('a'), command('b')]);
    bin(shown, Pass.OPAQUE, [command('c')]);
    bin(picked, Pass.OPAQUE, [command('d'), command('e')]);
    picked.indices.fill(0);
    postRender.raiseEvent();
    expect(shown.commands[Pass.OPAQUE]).toHaveLength(1);
    expect(picked.commands[Pass.OPAQUE]).toHaveLength(0);

    remove();
    bin(shown, Pass.OPAQUE, [command('f'), command('g')]);
    shown.indices.fill(0);
    postRender.raiseEvent();
    expect(shown.commands[Pass.OPAQUE]).toHaveLength(2);
  });

  test('a scene without the private views draws on untouched', () => {
    const postRender = new Event();
    trimStaleCommandsAfterRender({ postRender } as unknown as Scene);
    expect(() => postRender.raiseEvent()).not.toThrow();
  });
});
