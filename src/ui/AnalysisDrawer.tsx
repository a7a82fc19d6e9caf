import { ProfileChart } from './charts/ProfileChart.tsx';
import { SectionChart } from './charts/SectionChart.tsx';
import { useApp, useDictionary, useServices } from './context.ts';

/** The bottom drawer with the section (横断面) or profile (纵断面) chart of the open analysis. */
export function AnalysisDrawer() {
  const t = useDictionary();
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const tool = useApp((s) => s.tool);
  const section = useApp((s) => s.section);
  const profile = useApp((s) => s.profile);
  const showSection = tool === 'section' && section;
  const showProfile = tool === 'profile' && profile;
  if (!showSection && !showProfile) return null;
  const profileType = profile?.type;
  return (
    <aside className="panel analysis-drawer" data-testid="analysis-drawer">
      <header>
        <h2>{showSection ? `${t.sectionTitle} · ${t.pipesCrossed(section.crossings.length)} · ${section.lengthMetres.toFixed(1)} m` : `${t.profileTitle} · ${profile!.segments.length} ${t.segments} · ${profile!.lengthMetres.toFixed(0)} m`}</h2>
        <button type="button" className="icon" onClick={() => store.getState().openTool(undefined)} aria-label={t.close} title={t.close}>
          ×
        </button>
      </header>
      {showSection && <SectionChart section={section} t={t} language={language} />}
      {showProfile && profileType && <ProfileChart profile={profile} type={profileType} t={t} />}
    </aside>
  );
}
