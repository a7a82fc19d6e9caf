import { Color } from 'cesium';
import { describe, expect, it } from 'vitest';
import { assetStyle, type AssetStyleOptions, type StyledFeature } from './asset-style.ts';

/** A feature as the style sees it: its properties by name. */
function feature(properties: Record<string, unknown>): StyledFeature {
  return { getProperty: (name: string) => properties[name] } as StyledFeature;
}

const idOf = (f: StyledFeature) => {
  const id = f.getProperty('id') as unknown;
  return typeof id === 'string' ? id : undefined;
};

function style(options: Partial<AssetStyleOptions>) {
  return assetStyle({ idOf, attributesOf: (f) => ({ id: idOf(f) }), selectedColour: '#ffc61a', tints: new Map(), alpha: 1, hiddenPipelineTypes: new Set(), ...options });
}

function colourOf(s: ReturnType<typeof style>, f: StyledFeature): string {
  const color = (s.color as unknown as { evaluateColor(f: StyledFeature, r?: Color): Color }).evaluateColor(f, new Color());
  return color.toCssHexString();
}

function shown(s: ReturnType<typeof style>, f: StyledFeature): boolean {
  return (s.show as unknown as { evaluate(f: StyledFeature): boolean }).evaluate(f);
}

// IDs as they come from data and links: quotes of both kinds, backslashes, expression syntax.
const HOSTILE_IDS = ['manhole "A"', 'a"b', "o'brien", 'back\\slash\\"', '${id} === ${id}', '") || true || ("', 'color(\'red\')', '井盖"甲"'];

describe('asset style', () => {
  it.each(HOSTILE_IDS)('selects and tints by the exact ID %s, with no expression to break', (id) => {
    const selected = style({ selectedId: id });
    expect(colourOf(selected, feature({ id }))).toBe('#ffc61a');
    expect(colourOf(selected, feature({ id: `${id}x` }))).toBe('#ffffff');
    const tinted = style({ tints: new Map([[id, '#e02020']]) });
    expect(colourOf(tinted, feature({ id }))).toBe('#e02020');
    expect(colourOf(tinted, feature({ id: 'other' }))).toBe('#ffffff');
  });

  it('the selection wins over a tint, a tint over the thematic colour; the layer fade spares the marked ones', () => {
    const s = style({ selectedId: 'a', tints: new Map([['a', '#e02020'], ['b', '#e02020']]), rule: () => ({ show: true, colour: '#00ff00', alpha: 0.5 }), alpha: 0.5 });
    expect(colourOf(s, feature({ id: 'a' }))).toBe('#ffc61a80');
    expect(colourOf(s, feature({ id: 'b' }))).toBe('#e0202080');
    expect(colourOf(s, feature({ id: 'c' }))).toBe('#00ff0040');
    const plainFaded = style({ selectedId: 'a', alpha: 0.5 });
    expect(colourOf(plainFaded, feature({ id: 'a' }))).toBe('#ffc61a');
    expect(colourOf(plainFaded, feature({ id: 'c' }))).toBe('#ffffff80');
  });

  it('hides listed pipeline types (any text) and what the rule hides', () => {
    const s = style({ hiddenPipelineTypes: new Set(['gas"x', 'water']), rule: (a) => ({ show: a.id !== 'gone', alpha: 1 }) });
    expect(shown(s, feature({ id: 'p', pipelineType: 'gas"x' }))).toBe(false);
    expect(shown(s, feature({ id: 'p', pipelineType: 'water' }))).toBe(false);
    expect(shown(s, feature({ id: 'p', pipelineType: 'sewer' }))).toBe(true);
    expect(shown(s, feature({ id: 'gone' }))).toBe(false);
  });
});
