/**
 * City models (CityJSON / CityGML tilesets, see src/tiling/citymodel/) carry each surface's
 * semantic type as a second feature ID (`_FEATURE_ID_1`, label `surface`) whose value is the same
 * surface type in every tile: 1 RoofSurface, 2 WallSurface, 3 GroundSurface (SURFACE_TYPES). This
 * custom shader tints roofs and walls apart before Cesium multiplies in the feature's style colour,
 * so selection, themes and filters still apply per building; in the dark scene style it adds the
 * same rim light as the other buildings.
 */
import { Cartesian3, CustomShader, CustomShaderMode, UniformType, type Cesium3DTileset } from 'cesium';

/** Multipliers of the material colour by surface type: roofs terracotta, walls light, ground dark. */
export const SURFACE_TINTS = { roof: new Cartesian3(0.93, 0.5, 0.38), wall: new Cartesian3(1.08, 1.06, 1.02), ground: new Cartesian3(0.55, 0.55, 0.55) };

/** Whether a tileset is a city model written by our tiler (its tileset.json extras say so). */
export function isCityModelTileset(tileset: Cesium3DTileset): boolean {
  const extras = tileset.extras as { citymodel?: unknown } | undefined;
  return extras?.citymodel !== undefined;
}

export function cityModelShader(dark: boolean): CustomShader {
  return new CustomShader({
    mode: CustomShaderMode.MODIFY_MATERIAL,
    uniforms: {
      u_roof: { type: UniformType.VEC3, value: SURFACE_TINTS.roof },
      u_wall: { type: UniformType.VEC3, value: SURFACE_TINTS.wall },
      u_ground: { type: UniformType.VEC3, value: SURFACE_TINTS.ground },
      u_rimColour: { type: UniformType.VEC3, value: dark ? new Cartesian3(2.4, 3.0, 3.4) : new Cartesian3(0, 0, 0) },
    },
    fragmentShaderText: `
      void fragmentMain(FragmentInput fsInput, inout czm_modelMaterial material) {
        int surface = fsInput.featureIds.featureId_1;
        if (surface == 1) material.diffuse *= u_roof;
        else if (surface == 2) material.diffuse = min(material.diffuse * u_wall, vec3(1.0));
        else if (surface == 3) material.diffuse *= u_ground;
        #ifdef HAS_NORMALS
        vec3 normal = normalize(fsInput.attributes.normalEC);
        vec3 toEye = normalize(-fsInput.attributes.positionEC);
        material.emissive += u_rimColour * pow(1.0 - abs(dot(normal, toEye)), 3.0);
        #endif
      }
    `,
  });
}
