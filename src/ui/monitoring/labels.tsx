/** Small pieces shared by the monitoring panels: the level badge and times of day. */
import { SENSOR_STATE_COLOURS, WARNING_LEVEL_NAMES } from '../../domain/monitoring/warning.ts';

export function LevelBadge({ level }: { level: 1 | 2 | 3 | 4 }) {
  return (
    <span className={`level-badge level-${level}`} style={{ background: SENSOR_STATE_COLOURS[level] }} title={WARNING_LEVEL_NAMES[level].zh}>
      {WARNING_LEVEL_NAMES[level].roman}
    </span>
  );
}

export function timeOfDay(iso: string, language: 'zh' | 'en'): string {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return date.toLocaleString(language === 'zh' ? 'zh-CN' : 'en-GB', today ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
