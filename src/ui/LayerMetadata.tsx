import type { MetadataSection } from '../store/index.ts';
import { localized } from './i18n.ts';
import { useApp, useLayerDictionary } from './context.ts';
import { PropertyTable } from './PropertyTable.tsx';

/** The attribute panel's layer section: the layer, and its 3D Tiles 1.1 metadata around the feature. */
export function LayerMetadata({ layerId, sections }: { layerId: string; sections: readonly MetadataSection[] | undefined }) {
  const l = useLayerDictionary();
  const language = useApp((s) => s.language);
  const layer = useApp((s) => s.layers.find((x) => x.config.id === layerId));
  if (!layer) return null;
  return (
    <section className="layer-metadata" data-testid="layer-metadata" aria-label={l.layerSection}>
      <h3>
        {l.layerSection} · {localized(layer.config.name, language)}
      </h3>
      {sections && sections.length > 0 ? (
        sections.map((section) => (
          <div key={section.level} data-level={section.level}>
            <h4>
              {l.metadataLevels[section.level] ?? section.level} {(section.className ?? section.classId) && <span className="class-name">{section.className ?? section.classId}</span>}
            </h4>
            <PropertyTable entries={section.properties} />
          </div>
        ))
      ) : (
        <p className="muted small">{l.noLayerMetadata}</p>
      )}
    </section>
  );
}
