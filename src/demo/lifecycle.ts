/**
 * Plausible lifecycle records for every demo building, from its year built and use:
 *  - about 5 % are planned (立项 and 规划许可 only, in 2025–2026): proposals for the planners;
 *  - about 3 % are under construction (a construction permit, no acceptance yet);
 *  - about 12 % of those built before 2005 were renovated (改造), some twice;
 *  - about 1 % were demolished (拆除) in 2019–2024;
 *  - the rest were approved, permitted, built and accepted (竣工验收) around their year built,
 *    with periodic safety inspections.
 * Documents, authorities and parties follow Foshan / Chancheng usage; names are invented, and
 * credit codes are generated with a valid check character (GB 32100-2015).
 */
import seedrandom from 'seedrandom';
import type { BuildingLifecycle, Inspection, Party, StageRecord } from '../domain/lifecycle/lifecycle.ts';
import { withCreditCheck } from '../domain/lifecycle/lifecycle.ts';
import type { District } from './district.ts';

const AUTHORITIES = {
  approval: '佛山市禅城区发展和改革局',
  planning: '佛山市自然资源局禅城分局',
  construction: '佛山市禅城区住房城乡建设和水务局',
};

const DEVELOPERS = ['佛山市禅城城建开发有限公司', '佛山市华轩置业有限公司', '广东季华实业发展有限公司', '佛山市祖庙投资有限公司', '佛山市南庄产业园开发有限公司'];
const DESIGNERS = ['佛山市城市规划设计研究院', '广东省建筑设计研究院有限公司', '佛山市禅城建筑设计院有限公司'];
const CONTRACTORS = ['广东省第四建筑工程有限公司', '佛山市建筑工程有限公司', '中建三局第一建设工程有限责任公司', '佛山市禅城区建筑工程公司'];
const SUPERVISORS = ['佛山市城建工程监理有限公司', '广东工程建设监理有限公司', '佛山市禅城区建设监理公司'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function dateIn(random: () => number, year: number): string {
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  return `${year}-${pad(month)}-${pad(day)}`;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function party(random: () => number, role: Party['role'], names: string[]): Party {
  const name = names[Math.floor(random() * names.length)]!;
  // 9 (enterprise) 1 (company) 440604 (Chancheng) + a 9-character body.
  const characters = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let body = '';
  for (let i = 0; i < 9; i++) body += characters[Math.floor(random() * characters.length)];
  return { role, name, creditCode: withCreditCheck(`91440604${body}`) };
}

/** One record per demo building. Same district, same records. */
export function generateLifecycles(district: District, seed = 'cim-twin-lifecycle-v1'): BuildingLifecycle[] {
  return district.buildings.map((building) => {
    const { id, yearBuilt, use } = building.properties;
    const random = seedrandom(`${seed}/${id}`);
    const draw = random();
    const parties: Party[] = [party(random, 'construction-unit', DEVELOPERS), party(random, 'design-unit', DESIGNERS), party(random, 'contractor', CONTRACTORS), party(random, 'supervisor', SUPERVISORS)];
    const serial = id.slice(-6);
    const stages: StageRecord[] = [];
    const inspections: Inspection[] = [];
    const planned = draw < 0.05;
    const underConstruction = !planned && draw < 0.08;
    const startYear = planned ? 2025 : underConstruction ? 2023 + Math.floor(random() * 2) : yearBuilt - 2 - Math.floor(random() * 2);
    const approval = dateIn(random, startYear);
    stages.push({ stage: 'project-approval', date: approval, documentNumber: `佛禅发改投〔${startYear}〕${serial.slice(-3)}号`, authority: AUTHORITIES.approval });
    const planning = addDays(approval, 90 + Math.floor(random() * 120));
    stages.push({ stage: 'planning-permit', date: planning, documentNumber: `建字第440604${planning.slice(0, 4)}${serial}号`, authority: AUTHORITIES.planning });
    if (!planned) {
      const permit = addDays(planning, 60 + Math.floor(random() * 90));
      stages.push({ stage: 'construction-permit', date: permit, documentNumber: `440604${permit.replaceAll('-', '')}${serial}`, authority: AUTHORITIES.construction });
      if (!underConstruction) {
        const completion = `${yearBuilt}-${pad(1 + Math.floor(random() * 12))}-${pad(1 + Math.floor(random() * 28))}`;
        const accepted = completion > permit ? completion : addDays(permit, 400);
        stages.push({ stage: 'completion-acceptance', date: accepted, documentNumber: `禅建竣备〔${accepted.slice(0, 4)}〕${serial}号`, authority: AUTHORITIES.construction });
        stages.push({ stage: 'operation', date: addDays(accepted, 30) });
        const acceptedYear = Number(accepted.slice(0, 4));
        for (let year = acceptedYear + 5; year <= 2025; year += 5) {
          inspections.push({ date: dateIn(random, year), result: random() < 0.85 ? 'pass' : 'rectify', inspector: '禅城区房屋安全鉴定所', note: use === 'industrial' ? '厂房结构安全检查' : '房屋安全定期检查' });
        }
        const demolished = random() < 0.01;
        if (!demolished && acceptedYear < 2005 && random() < 0.12) {
          const renovated = dateIn(random, Math.max(acceptedYear + 8, 2010 + Math.floor(random() * 10)));
          stages.push({ stage: 'renovation', date: renovated, documentNumber: `禅建改〔${renovated.slice(0, 4)}〕${serial}号`, authority: AUTHORITIES.construction, note: use === 'residential' ? '老旧小区改造（外立面、加装电梯）' : '结构加固与消防改造' });
        }
        if (demolished) {
          const date = dateIn(random, 2019 + Math.floor(random() * 6));
          stages.push({ stage: 'demolition', date: date > accepted ? date : addDays(accepted, 365), documentNumber: `禅建拆〔${date.slice(0, 4)}〕${serial}号`, authority: AUTHORITIES.construction, note: '城市更新拆除' });
        }
      }
    }
    // Inspections are kept in order and never after a demolition.
    const end = stages.find((s) => s.stage === 'demolition')?.date ?? '9999-12-31';
    return { buildingId: id, stages, parties, inspections: inspections.filter((i) => i.date < end).sort((a, b) => a.date.localeCompare(b.date)) };
  });
}
