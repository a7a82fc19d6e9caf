/**
 * The 3D Tiles style of a layer's assets: the selection, the incident tints, the fade, the hidden
 * pipeline types and the thematic rule, as the documented custom-expression form of a
 * Cesium3DTileStyle (objects with `evaluate` / `evaluateColor` functions), reading Maps and Sets.
 *
 * Never a style expression string: an asset ID is data, and Cesium's expression parser does not
 * read `\"` as an escape, so an ID with a quote spliced into an expression ended the string early
 * and threw while tiles were styled (issue 20 §1).
 */
import { Cesium3DTileStyle, Color, type Cesium3DTileFeature, type StyleExpression } from 'cesium';
import type { BuildingAppearance } from '../domain/thematic/appearance.ts';
import type { BuildingAttributes } from '../domain/thematic/themes.ts';

/** What a feature offers the style: its properties by name. */
export type StyledFeature = Pick<Cesium3DTileFeature, 'getProperty'>;

export interface AssetStyleOptions {
  /** The asset ID of a feature; undefined if it has none. */
  idOf(feature: StyledFeature): string | undefined;
  /** A feature's styling attributes, for the thematic rule. */
  attributesOf(feature: StyledFeature): BuildingAttributes;
  /** The selected asset's ID, drawn in `selectedColour`. */
  selectedId?: string;
  selectedColour: string;
  /** Asset ID → CSS colour (incident levels); wins over the rule, loses to the selection. */
  tints: ReadonlyMap<string, string>;
  /** 0–1: the layer's fade (not applied to the selection and the tints). */
  alpha: number;
  /** `pipelineType` values to hide. */
  hiddenPipelineTypes: ReadonlySet<string>;
  /** The thematic appearance per feature; undefined: plain. */
  rule?: (attributes: BuildingAttributes) => BuildingAppearance;
  /** CSS colour → Color, shared between styles. */
  colourCache?: Map<string, Color>;
}

const PLAIN: BuildingAppearance = Object.freeze({ show: true, alpha: 1 });

export function assetStyle(options: AssetStyleOptions): Cesium3DTileStyle {
  const { idOf, attributesOf, selectedId, selectedColour, tints, alpha: layerAlpha, hiddenPipelineTypes, rule } = options;
  const colours = options.colourCache ?? new Map<string, Color>();
  const colourOf = (css: string): Color => {
    let colour = colours.get(css);
    if (!colour) {
      colour = Color.fromCssColorString(css);
      colours.set(css, colour);
    }
    return colour;
  };
  // Show and colour are evaluated one after the other for each feature: read it once.
  let lastFeature: StyledFeature | undefined;
  let lastAppearance: BuildingAppearance = PLAIN;
  let lastId: string | undefined;
  const read = (feature: StyledFeature): void => {
    if (feature === lastFeature) return;
    lastFeature = feature;
    if (rule) {
      const attributes = attributesOf(feature);
      lastId = attributes.id;
      lastAppearance = rule(attributes);
    } else {
      lastId = idOf(feature);
      lastAppearance = PLAIN;
    }
  };
  const style = new Cesium3DTileStyle();
  style.show = {
    evaluate: (feature: StyledFeature) => {
      if (hiddenPipelineTypes.size && hiddenPipelineTypes.has(String(feature.getProperty('pipelineType')))) return false;
      read(feature);
      return lastAppearance.show;
    },
  } as unknown as StyleExpression;
  style.color = {
    evaluateColor: (feature: StyledFeature, result?: Color) => {
      read(feature);
      const id = lastId;
      // The selection and incident tints are not faded with the layer (they stay readable in the underground view).
      const marked = id === undefined ? undefined : id === selectedId ? selectedColour : tints.get(id);
      const css = marked ?? lastAppearance.colour;
      const alpha = (marked === undefined ? layerAlpha : 1) * lastAppearance.alpha;
      return Color.fromAlpha(css === undefined ? Color.WHITE : colourOf(css), alpha, result);
    },
  } as unknown as StyleExpression;
  return style;
}
