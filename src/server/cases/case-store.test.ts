/** One suite for the case store, run against both backends (testing/backends.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import { eachFreshStore } from '../testing/store-backends.ts';
import { handlingDeadline, type NewCase } from '../../domain/cases/cases.ts';
import { CaseInputError, openCaseStore, type CaseStore, type CaseWithLog, type LoadedCase } from './case-store.ts';
import { caseBackends } from './testing/backends.ts';

const at = (iso: string) => Date.parse(iso);
const T0 = at('2026-12-05T09:00:00+08:00');
const MINUTE = 60_000;

const report = (change: Partial<NewCase> = {}): NewCase => ({
  source: 'grid-worker', classId: 'event:0504', gridCode: '44060400100101', description: '机动车占用人行道', address: '禅城区祖庙路1号',
  lon: 113.12, lat: 23.03, reporter: '网格员李四', assetIds: [], ...change,
});

const BACKENDS = await caseBackends('case-store');

describe.each(BACKENDS)('case store on $name', (backend) => {
  let store: CaseStore;
  let location: string;

  eachFreshStore(backend, (fresh) => ({ store, location } = fresh));

  const step = async (id: string, action: Parameters<CaseStore['act']>[1], atMs: number): Promise<CaseWithLog> => {
    const result = await store.act(id, action, atMs);
    if (!result || 'error' in result) throw new Error(`${action.action}: ${result ? result.error : 'no case'}`);
    return result;
  };

  it('opens the backend its location names', () => {
    expect(store.backend).toBe(location.startsWith('postgres://') ? 'postgres' : 'sqlite');
  });

  it('stores a report as collected, logged with its reporter and time, text kept as text', async () => {
    const created = await store.create(report({ description: '=HYPERLINK("http://evil.example","点我")', assetIds: ['B-1', 'W-V1'], attachmentUrl: 'https://photos.example/1.jpg' }), T0);
    expect(created.record).toMatchObject({ id: 'AJ1', status: 'collected', classId: 'event:0504', gridCode: '44060400100101', description: '=HYPERLINK("http://evil.example","点我")', assetIds: ['B-1', 'W-V1'], attachmentUrl: 'https://photos.example/1.jpg', createdAtMs: T0 });
    expect(created.log).toEqual([{ action: 'collect', to: 'collected', by: '网格员李四', at: new Date(T0).toISOString() }]);
    expect(await store.get('AJ1')).toEqual(created);
  });

  it('runs the workflow with a send-back, logging who and when in each step', async () => {
    const { record } = await store.create(report(), T0);
    await step(record.id, { action: 'file', by: '受理员王五' }, T0 + MINUTE);
    const dispatched = await step(record.id, { action: 'dispatch', by: '派遣员赵六', department: '区交警大队', note: '请尽快处理' }, T0 + 2 * MINUTE);
    // event:0504 (机动车乱停放) allows 2 hours (case-classes.json).
    expect(dispatched.record).toMatchObject({ status: 'dispatched', department: '区交警大队', dispatchedAtMs: T0 + 2 * MINUTE, dueAtMs: handlingDeadline(T0 + 2 * MINUTE, { hours: 2 }) });
    const handled = await step(record.id, { action: 'handle', by: '交警陈七' }, T0 + 30 * MINUTE);
    expect(handled.record.handledAtMs).toBe(T0 + 30 * MINUTE);
    const sentBack = await step(record.id, { action: 'send-back', by: '网格员李四', note: '车辆仍在' }, T0 + 40 * MINUTE);
    expect(sentBack.record.status).toBe('dispatched');
    expect(sentBack.record.handledAtMs).toBeUndefined();
    await step(record.id, { action: 'handle', by: '交警陈七' }, T0 + 50 * MINUTE);
    await step(record.id, { action: 'check', by: '网格员李四' }, T0 + 60 * MINUTE);
    const closed = await step(record.id, { action: 'close', by: '值班长孙八' }, T0 + 70 * MINUTE);
    expect(closed.record).toMatchObject({ status: 'closed', filedAtMs: T0 + MINUTE, handledAtMs: T0 + 50 * MINUTE, checkedAtMs: T0 + 60 * MINUTE, closedAtMs: T0 + 70 * MINUTE, updatedAtMs: T0 + 70 * MINUTE });
    expect(closed.log.map((e) => [e.action, e.from ?? null, e.to, e.by])).toEqual([
      ['collect', null, 'collected', '网格员李四'],
      ['file', 'collected', 'filed', '受理员王五'],
      ['dispatch', 'filed', 'dispatched', '派遣员赵六'],
      ['handle', 'dispatched', 'handled', '交警陈七'],
      ['send-back', 'handled', 'dispatched', '网格员李四'],
      ['handle', 'dispatched', 'handled', '交警陈七'],
      ['check', 'handled', 'checked', '网格员李四'],
      ['close', 'checked', 'closed', '值班长孙八'],
    ]);
    expect(closed.log[2]).toMatchObject({ department: '区交警大队', note: '请尽快处理', at: new Date(T0 + 2 * MINUTE).toISOString() });
    expect(closed.log[4]).toMatchObject({ note: '车辆仍在' });
  });

  it('refuses an action the status does not allow and changes nothing', async () => {
    const { record } = await store.create(report(), T0);
    const before = await store.get(record.id);
    expect(await store.act(record.id, { action: 'close', by: '某人' }, T0 + MINUTE)).toEqual({ error: expect.stringMatching(/cannot close a case that is collected.*allowed actions: file/), allowed: ['file'] });
    await expect(store.act(record.id, { action: 'dispatch', by: '某人' }, T0 + MINUTE)).rejects.toThrow(CaseInputError);
    await step(record.id, { action: 'file', by: '受理员' }, T0 + MINUTE);
    await expect(store.act(record.id, { action: 'dispatch', by: '某人' }, T0 + 2 * MINUTE)).rejects.toThrow(/department: required to dispatch/);
    await expect(store.act(record.id, { action: 'file', by: '某人', department: '城管局' }, T0 + 2 * MINUTE)).rejects.toThrow(/department: only with dispatch/);
    const after = await store.get(record.id);
    expect(after!.record).toEqual({ ...before!.record, status: 'filed', filedAtMs: T0 + MINUTE, updatedAtMs: T0 + MINUTE });
    expect(after!.log).toHaveLength(2);
  });

  it('takes one of two actions raced on one case', async () => {
    const { record } = await store.create(report(), T0);
    await step(record.id, { action: 'file', by: 'a' }, T0 + 1);
    await step(record.id, { action: 'dispatch', by: 'a', department: 'd' }, T0 + 2);
    await step(record.id, { action: 'handle', by: 'a' }, T0 + 3);
    const results = await Promise.all([store.act(record.id, { action: 'check', by: 'x' }, T0 + 4), store.act(record.id, { action: 'send-back', by: 'y' }, T0 + 4)]);
    expect(results.filter((r) => r && !('error' in r))).toHaveLength(1);
    expect(results.filter((r) => r && 'error' in r)).toHaveLength(1);
    expect((await store.get(record.id))!.log).toHaveLength(5);
  });

  it('knows no case by an unknown or malformed ID', async () => {
    await store.create(report(), T0);
    for (const id of ['AJ2', 'AJ0', 'AJ01', '1', "AJ1' OR '1'='1", 'AJ99999999999999999']) {
      expect(await store.get(id)).toBeUndefined();
      expect(await store.act(id, { action: 'file', by: 'x' }, T0)).toBeUndefined();
    }
  });

  describe('lists and statistics', () => {
    /** Cases at known times around the Beijing midnight between 5 and 6 December 2026. */
    const day5 = (hhmm: string) => at(`2026-12-05T${hhmm}:00+08:00`);
    const day6 = (hhmm: string) => at(`2026-12-06T${hhmm}:00+08:00`);
    let ids: Record<string, string>;

    beforeEach(async () => {
      ids = {};
      const make = async (name: string, change: Partial<NewCase>, steps: [Parameters<CaseStore['act']>[1]['action'], number, string?][]) => {
        const { record } = await store.create(report(change), steps[0]?.[1] ?? day5('08:00'));
        for (const [action, time, department] of steps) await step(record.id, { action, by: 'tester', ...(department ? { department } : {}) }, time);
        ids[name] = record.id;
      };
      // Filed 23:50 on the 5th (15:50 UTC), dispatched: 2 h → due 01:50 on the 6th, handled in time, closed on the 6th.
      await make('lateNight', {}, [['file', day5('23:50')], ['dispatch', day5('23:55'), '交警'], ['handle', day6('01:00')], ['check', day6('02:00')], ['close', day6('03:00')]]);
      // Filed 00:10 on the 6th (16:10 UTC on the 5th): a Beijing day later, though the same UTC date.
      await make('earlyMorning', { gridCode: '44060400100102' }, [['file', day6('00:10')], ['dispatch', day6('00:20'), '城管执法']]);
      // A road collapse (2 h) dispatched at 08:00 on the 6th, handled late at 11:00.
      await make('late', { classId: 'event:0401', gridCode: '44060400200101' }, [['file', day6('07:50')], ['dispatch', day6('08:00'), '市政']]);
      await step(ids.late!, { action: 'handle', by: 'tester' }, day6('11:00'));
      // Only collected.
      await make('collected', { gridCode: '44060400100101', source: 'hotline-12345', hotlineTicket: 'GD2026120600001' }, []);
    });

    const idsOf = (page: { cases: { id: string }[] }) => page.cases.map((c) => c.id);

    it('lists by grid, area, department, class and status, newest first', async () => {
      const now = day6('12:00');
      expect(idsOf(await store.list({ grid: '44060400100101' }, {}, now))).toEqual([ids.collected, ids.lateNight]);
      expect(idsOf(await store.list({ area: '440604001' }, {}, now))).toEqual([ids.collected, ids.earlyMorning, ids.lateNight]);
      expect(idsOf(await store.list({ area: '440604' }, {}, now))).toHaveLength(4);
      expect(idsOf(await store.list({ department: '市政' }, {}, now))).toEqual([ids.late]);
      expect(idsOf(await store.list({ classId: 'event:0401' }, {}, now))).toEqual([ids.late]);
      expect(idsOf(await store.list({ status: ['dispatched', 'collected'] }, {}, now))).toEqual([ids.collected, ids.earlyMorning]);
      expect(idsOf(await store.list({ grid: '44060400100101', status: ['collected', 'filed', 'dispatched', 'handled', 'checked'] }, {}, now))).toEqual([ids.collected]);
    });

    it('lists overdue cases as of the time asked, across the Beijing midnight', async () => {
      // earlyMorning: 机动车乱停放 dispatched 00:20 on the 6th, due 02:20 (15 minutes past 18:00 UTC on the 5th).
      // (late was reported handled after its deadline: that flag does not depend on the time asked.)
      expect(idsOf(await store.list({ overdue: true }, {}, day6('02:19')))).toEqual([ids.late]);
      expect(idsOf(await store.list({ overdue: true }, {}, day6('02:21')))).toEqual([ids.late, ids.earlyMorning]);
      expect(idsOf(await store.list({ overdue: true }, {}, day6('12:00')))).toEqual([ids.late, ids.earlyMorning]);
      expect(idsOf(await store.list({ overdue: false }, {}, day6('12:00')))).toEqual([ids.collected, ids.lateNight]);
    });

    it('pages', async () => {
      const now = day6('12:00');
      const first = await store.list({}, { limit: 3 }, now);
      expect(first.truncated).toBe(true);
      const second = await store.list({}, { limit: 3, offset: 3 }, now);
      expect(second.truncated).toBe(false);
      expect([...idsOf(first), ...idsOf(second)]).toEqual([ids.collected, ids.late, ids.earlyMorning, ids.lateNight]);
    });

    it.each([
      ['a page of 0', {}, { limit: 0 }, /limit: must be an integer from 1 to 1000/],
      ['an offset past 10,000', {}, { offset: 10_001 }, /offset: must be an integer from 0 to 10000/],
      ['a grid code of no known division', { grid: '110101001001' }, {}, /grid: grid code 110101001001: county-level division 110101/],
      ['an area that is not a code', { area: "44' OR 1=1" }, {}, /area: grid code .* must be digits only/],
      ['an unknown status', { status: ['open' as never] }, {}, /status: unknown status "open"/],
      ['an unknown class', { classId: 'event:9999' }, {}, /class: unknown class/],
    ])('refuses %s, naming the field', async (_name, filter, page, message) => {
      await expect(store.list(filter, page, T0)).rejects.toThrow(message);
    });

    it('counts each Beijing day on its own: filed, closed, closure and on-time rates', async () => {
      const fifth = await store.dailyStatistics('2026-12-05', {}, day6('12:00'));
      expect(fifth).toMatchObject({ day: '2026-12-05', filed: 1, closed: 0, filedAndClosed: 1, closureRate: 1, handled: 0, dueUnhandled: 0, onTimeRate: null });
      const sixth = await store.dailyStatistics('2026-12-06', {}, day6('12:00'));
      // Filed on the 6th: earlyMorning, late (neither closed). Closed: lateNight. Handled: lateNight (on time), late (late).
      // Due on the 6th before noon and still being handled: earlyMorning (02:20).
      expect(sixth).toEqual({ day: '2026-12-06', filed: 2, closed: 1, filedAndClosed: 0, closureRate: 0, handled: 2, handledOnTime: 1, dueUnhandled: 1, onTimeRate: 1 / 3, open: 3, openOverdue: 2 });
      // Within one grid, and within a street.
      expect(await store.dailyStatistics('2026-12-06', { grid: '44060400100102' }, day6('12:00'))).toMatchObject({ filed: 1, handled: 0, dueUnhandled: 1, onTimeRate: 0, open: 1, openOverdue: 1 });
      expect(await store.dailyStatistics('2026-12-06', { area: '440604002' }, day6('12:00'))).toMatchObject({ filed: 1, handled: 1, handledOnTime: 0, onTimeRate: 0, open: 1, openOverdue: 1 });
      // Before 02:20 on the 6th nothing due that day has passed yet.
      expect(await store.dailyStatistics('2026-12-06', {}, day6('02:00'))).toMatchObject({ dueUnhandled: 0 });
      expect(await store.dailyStatistics('2026-12-07', {}, day6('12:00'))).toMatchObject({ filed: 0, closureRate: null, onTimeRate: null });
      await expect(store.dailyStatistics('2026-02-30', {}, T0)).rejects.toThrow(/day: "2026-02-30" is not a calendar date/);
    });
  });

  describe('loading history', () => {
    const old = (i: number, change: Partial<LoadedCase> = {}): LoadedCase => ({
      ...report({ gridCode: `440604001001${String((i % 5) + 1).padStart(2, '0')}` }), status: 'closed', department: '城管执法', createdAtMs: T0 - 86_400_000, filedAtMs: T0 - 86_400_000, dispatchedAtMs: T0 - 86_000_000,
      dueAtMs: T0 - 80_000_000, handledAtMs: T0 - 82_000_000, checkedAtMs: T0 - 81_000_000, closedAtMs: T0 - 79_000_000, ...change,
    });

    it('loads cases with an import entry each, and lists them', async () => {
      expect(await store.load(Array.from({ length: 12 }, (_, i) => old(i)))).toBe(12);
      expect(await store.count()).toBe(12);
      expect((await store.get('AJ12'))!.log).toEqual([expect.objectContaining({ action: 'import', to: 'closed', by: 'import', department: '城管执法' })]);
      expect((await store.list({ grid: '44060400100101' }, {}, T0)).cases).toHaveLength(3);
    });

    it('loads all or nothing, naming the case and field at fault', async () => {
      await store.create(report(), T0);
      const cases = [old(0), old(1), old(2, { status: 'dispatched', handledAtMs: undefined, checkedAtMs: undefined, closedAtMs: undefined, department: undefined })];
      await expect(store.load(cases)).rejects.toThrow(/case 2\.department: required for a case that is dispatched/);
      await expect(store.load([old(0, { gridCode: '4406040010010' })])).rejects.toThrow(/case 0\.gridCode: grid code 4406040010010 has 13 digits/);
      await expect(store.load([old(0, { closedAtMs: undefined })])).rejects.toThrow(/case 0\.closedAtMs: required/);
      expect(await store.count()).toBe(1);
    });
  });

  it('keeps cases when reopened from its location', async () => {
    await store.create(report(), T0);
    await step('AJ1', { action: 'file', by: 'x' }, T0 + 1);
    await store.close();
    store = await openCaseStore(location);
    expect((await store.get('AJ1'))!.record.status).toBe('filed');
    expect((await store.create(report(), T0)).record.id).toBe('AJ2');
  });
});
