/**
 * Issue 11 over real HTTP on the seeded month (test/fixtures/reports-month.ts, real PostgreSQL):
 * item 1 access (401 JSON without a credential, ADMIN_TOKEN sees all, a unit viewer sees its unit
 * and sub-units only — in the list, an incident's page, the charts, the assessment and the export,
 * like the chats; domain/visibility.ts), item 2 the dashboard's figures, item 3 the 台账 export read
 * back with exceljs (text cells, business time, the ledger sheet) and CSV with a BOM.
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { bt, SEEDS, seedMonth } from '../fixtures/reports-month.js';
import { demoConfig, startTestApp, TestClock, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const ADMIN = 'dashboard-admin-token-0123456789';
const ELDER = 'eldercare-viewer-token-0123456789';
const A = 'YQ-20261102-001'; // relief
const B = 'YQ-20261110-001'; // eldercare
let db: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedMonth(db.store);
  const config = demoConfig();
  config.dashboard.viewers = [
    {
      id: 'elder-office',
      name: '养老服务中心（只读）',
      unit: 'eldercare',
      tokenSha256: createHash('sha256').update(ELDER).digest('hex'),
    },
  ];
  app = await startTestApp({
    database: db,
    config,
    settings: { ADMIN_TOKEN: ADMIN },
    clock: TestClock.frozen(bt('12-01 10:00')),
  });
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const get = async (path: string, token?: string) => {
  const res = await fetch(`${app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    body: type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()),
  } as { status: number; headers: Headers; body: any };
};

test('without a credential every /api/* route answers 401 JSON; a wrong token too; the sandbox API stays open (issue 11 item 1)', async () => {
  for (const path of [
    '/api/incidents',
    `/api/incidents/${A}`,
    '/api/incidents/export?format=xlsx',
    '/api/dashboard/charts',
    '/api/dashboard/assessment?month=2026-11',
    '/api/dashboard/meta',
    '/api/outbox?state=dead',
  ]) {
    const r = await get(path);
    expect([path, r.status, r.body.error]).toEqual([path, 401, 'UNAUTHORIZED']);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get(path, 'wrong-token-0123456789abcdef')).status).toBe(401);
  }
  expect((await get('/api/sandbox/directory')).status).not.toBe(401);
  // the page itself holds no data and asks for the token
  const page = await get('/dashboard');
  expect(page.status).toBe(200);
  expect(page.body.toString('utf8')).toContain('访问令牌');
});

test('the admin sees every unit; a unit viewer only its own — list, incident page, outbox (visibility.ts "a viewer unit")', async () => {
  const all = await get('/api/incidents', ADMIN);
  expect(all.body.incidents.map((i: { id: string }) => i.id).sort()).toEqual(SEEDS.map((s) => s.id).sort());
  const elder = await get('/api/incidents', ELDER);
  expect(elder.body.incidents.map((i: { id: string }) => i.id).sort()).toEqual(
    SEEDS.filter((s) => s.unit === 'eldercare')
      .map((s) => s.id)
      .sort(),
  );
  // another unit's incident reads as not found (existence does not leak), its own in full
  const hidden = await get(`/api/incidents/${A}`, ELDER);
  expect(hidden.status).toBe(404);
  // a web caller's text: no chat command to run (found by a newcomer)
  expect(hidden.body.message).toBe(`找不到事件 ${A}，或您无权查看。请核对编号，或回到事件列表查找。`);
  expect((await get('/api/no-such-route', ELDER)).body.message).toBe('没有这个地址：GET /api/no-such-route');
  const b = await get(`/api/incidents/${B}`, ELDER);
  expect(b.status).toBe(200);
  expect(b.body.incident).toMatchObject({
    id: B,
    unit: '县养老服务中心',
    levelName: '重大或较大（II）',
    reportedAt: '2026-11-10 15:00',
  });
  expect(b.body.people.filter((p: { mustAck: boolean }) => p.mustAck)).toEqual([
    { role: '第一责任人', name: '赵磊', mustAck: true, ackAt: '2026-11-10 15:40' },
    { role: '直接责任人', name: '孙丽', mustAck: true, ackAt: '2026-11-10 15:10' },
  ]);
  expect(b.body.milestones.find((m: { name: string }) => m.name === '预警报告')).toMatchObject({
    dueAt: '2026-11-10 16:40',
    metAt: null,
    state: 'breached',
  });
  expect(b.body.breaches.map((x: { grade: string }) => x.grade).sort()).toEqual(['轻微', '轻微', '重大']);
  expect(b.body.ledger[0].text).toMatch(/^11-10 15:00 陈静 上报/);
  // the outbox is the admin's
  expect((await get('/api/outbox?state=dead', ELDER)).status).toBe(403);
  expect(await get('/api/outbox?state=dead', ADMIN)).toMatchObject({ status: 200, body: { state: 'dead', rows: [] } });
  // meta: the viewer's units only
  expect((await get('/api/dashboard/meta', ELDER)).body.units.map((u: { id: string }) => u.id)).toEqual(['eldercare']);
});

test('filters: unit with sub-units, level, category, status, period, overdue only, search (issue 11 item 2)', async () => {
  const ids = async (q: string) =>
    ((await get(`/api/incidents?${q}`, ADMIN)).body.incidents as Array<{ id: string }>).map((i) => i.id).sort();
  expect(await ids('unit=bureau')).toHaveLength(SEEDS.length);
  expect(await ids('unit=relief&level=IV')).toEqual(['YQ-20261129-001', 'YQ-20261130-001']);
  expect(await ids('category=hype')).toEqual([B]);
  expect(await ids('status=closed')).toEqual(['YQ-20261102-001', 'YQ-20261125-001', 'YQ-20261129-001']);
  expect(await ids('from=2026-11-29&to=2026-11-30')).toEqual(['YQ-20261129-001', 'YQ-20261130-001', 'YQ-20261130-002']);
  // D's acknowledgements are open and past due (12-01 10:00); B's early warning was never met
  expect(await ids('overdue=1')).toEqual([B, 'YQ-20261130-001']);
  expect(await ids('q=20261125')).toEqual(['YQ-20261125-001']);
  expect(await ids('q=%25')).toEqual([]);
  // bad input: a Chinese message with the right form, 400 JSON
  const bad = await get('/api/incidents?from=30-11-2026', ADMIN);
  expect(bad).toMatchObject({ status: 400, body: { message: expect.stringContaining('YYYY-MM-DD') } });
  expect((await get('/api/incidents?level=X', ADMIN)).body.message).toContain('未知的级别');
  expect((await get('/api/incidents?unit=nowhere', ADMIN)).status).toBe(400);
  // dates past the calendar's range and a NUL in the search: 400 with the reason, never a 500
  for (const q of ['to=9999-12-31', 'from=0000-01-01', 'q=%00']) {
    const r = await get(`/api/incidents?${q}`, ADMIN);
    expect(r).toMatchObject({ status: 400, body: { error: 'USAGE' } });
  }
  expect((await get('/api/incidents?to=9999-12-31', ADMIN)).body.message).toContain('年份应在 2000–2099 之间');
  expect((await get('/api/incidents?q=%00', ADMIN)).body.message).toContain('控制字符');
  expect((await get('/api/dashboard/charts?from=2026-01-01&to=9999-12-31', ADMIN)).status).toBe(400);
  expect((await get('/api/dashboard/assessment?month=9999-12', ADMIN)).status).toBe(400);
  expect((await get('/api/incidents/export?format=csv&from=0000-01-01', ADMIN)).status).toBe(400);
});

test('charts and assessment come from the same figures as the chat reports, scoped to the viewer (issue 11 item 2)', async () => {
  const c = (await get('/api/dashboard/charts?from=2026-11-01&to=2026-11-30', ADMIN)).body;
  expect(c.days).toHaveLength(30);
  const perLevel = Object.fromEntries(
    c.byLevel.map((l: { levelId: string; counts: number[] }) => [l.levelId, l.counts.reduce((a, b) => a + b, 0)]),
  );
  expect(perLevel).toEqual({ I: 0, II: 1, III: 3, IV: 2 } as Record<string, number>);
  expect(c.byLevel.find((l: { levelId: string }) => l.levelId === 'II').counts[9]).toBe(1); // 11-10
  expect(c.byCategory.find((x: { name: string }) => x.name === '询问质疑诉求').count).toBe(3);
  expect(c.breachesByUnit).toEqual([
    { unitId: 'relief', name: '社会救助股', minor: 4, major: 0 },
    { unitId: 'eldercare', name: '县养老服务中心', minor: 2, major: 1 },
  ]);
  // acks of incidents reported in the period (E of 11-30 included): 5,20 | 40,10 | 30,8 | 5,10 | 5,6 minutes
  expect(c.ackHistogram.map((b: { count: number }) => b.count)).toEqual([7, 2, 1, 0, 0, 0]);
  const ack = c.onTimeTrend.find((s: { key: string }) => s.key === 'ack');
  expect(ack.rates[1]).toBe(50); // 11-02: 刘洋 on time, 吴芳 late
  const elder = (await get('/api/dashboard/charts?from=2026-11-01&to=2026-11-30', ELDER)).body;
  expect(elder.breachesByUnit.map((u: { unitId: string }) => u.unitId)).toEqual(['eldercare']);

  const a = (await get('/api/dashboard/assessment?month=2026-11', ADMIN)).body;
  expect(a.units.find((u: { id: string }) => u.id === 'relief')).toMatchObject({ incidents: 4, handled: 3 });
  expect(a.people.map((p: { id: string }) => p.id)).toContain('liuyang');
  const ae = (await get('/api/dashboard/assessment?month=2026-11', ELDER)).body;
  expect(ae.units.map((u: { id: string }) => u.id)).toEqual(['eldercare']);
  expect(ae.people.find((p: { id: string }) => p.id === 'liuyang')).toBeUndefined();
  expect((await get('/api/dashboard/assessment?month=2026-13', ADMIN)).status).toBe(400);
});

test('the xlsx export: one text row per incident with every column, a second sheet with every ledger entry; a viewer gets only its unit (issue 11 item 3)', async () => {
  const r = await get('/api/incidents/export?format=xlsx&from=2026-11-01&to=2026-11-30', ADMIN);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-disposition')).toContain("filename*=UTF-8''");
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.body);
  const [sheet, ledger] = wb.worksheets;
  expect([sheet.name, ledger.name]).toEqual(['台账', '台账明细']);
  const header = (sheet.getRow(1).values as string[]).slice(1);
  expect(header.slice(0, 11)).toEqual([
    '编号',
    '标题',
    '发现时间',
    '上报时间',
    '来源',
    '链接',
    '单位',
    '级别',
    '类别',
    '上报人',
    '责任人及签收',
  ]);
  expect(header.slice(-3)).toEqual(['违约', '状态', '办结时间']);
  expect(sheet.rowCount - 1).toBe(SEEDS.length);
  const rowOf = (id: string) => {
    for (let k = 2; k <= sheet.rowCount; k++) {
      const row = sheet.getRow(k);
      if (row.getCell(1).value === id) return Object.fromEntries(header.map((h, c) => [h, row.getCell(c + 1).value]));
    }
    throw new Error(`no row ${id}`);
  };
  const a = rowOf(A);
  expect(a).toMatchObject({
    编号: A,
    发现时间: '2026-11-02 09:50',
    上报时间: '2026-11-02 10:00',
    来源: '自查',
    单位: '社会救助股',
    级别: '一般（III）',
    类别: '询问质疑诉求',
    上报人: '陈静',
    责任人及签收: '刘洋（第一责任人）签收 2026-11-02 10:05；吴芳（直接责任人）签收 2026-11-02 10:20',
    签收时限: '签收（刘洋） 2026-11-02 10:15；签收（吴芳） 2026-11-02 10:15',
    报告领导小组时限: '2026-11-02 10:20',
    报告领导小组完成: '2026-11-02 10:10',
    违约: '签收（吴芳） 2026-11-02 10:15 轻微',
    状态: '已办结',
    办结时间: '2026-11-03 16:00',
  });
  // every cell is text: ids and times never turn into numbers or dates
  for (let k = 1; k <= sheet.rowCount; k++)
    sheet.getRow(k).eachCell((cell) => expect(typeof cell.value).toBe('string'));
  expect(rowOf(B).违约).toContain('报告领导小组 2026-11-10 15:10 重大');
  // the ledger sheet: every entry of those incidents, seq as text
  const entries = (await Promise.all(SEEDS.map((s) => app.incidents.view({ kind: 'system' }, s.id)))).flatMap(
    (v) => v.ledger,
  );
  expect(ledger.rowCount - 1).toBe(entries.length);
  const first = ledger.getRow(2).values as string[];
  expect(typeof first[1]).toBe('string');
  expect(first.slice(2, 5)).toEqual([A, '2026-11-02 10:00', '陈静']);

  // page by page (keyset): small pages give every incident and entry once, in order
  const paged: string[] = [];
  for await (const page of app.store.reports.exportIncidents({}, 2)) paged.push(...page.incidents.map((i) => i.id));
  expect(paged).toEqual(
    [...SEEDS].sort((x, y) => bt(x.reported).getTime() - bt(y.reported).getTime()).map((x) => x.id),
  );
  const seqs: number[] = [];
  for await (const page of app.store.reports.exportLedger({}, 3)) seqs.push(...page.map((e) => e.seq));
  expect(seqs).toEqual(entries.map((e) => e.seq).sort((x, y) => x - y));

  const elder = await get('/api/incidents/export?format=xlsx', ELDER);
  const wbe = new ExcelJS.Workbook();
  await wbe.xlsx.load(elder.body);
  const ids = [];
  for (let k = 2; k <= wbe.worksheets[0].rowCount; k++) ids.push(wbe.worksheets[0].getRow(k).getCell(1).value);
  expect(ids).toEqual(['YQ-20261110-001', 'YQ-20261130-002']);
  for (let k = 2; k <= wbe.worksheets[1].rowCount; k++)
    expect(ids).toContain(wbe.worksheets[1].getRow(k).getCell(2).value);
  // a unit outside the viewer's scope gives an empty export, not another unit's rows
  const other = await get('/api/incidents/export?format=csv&unit=relief', ELDER);
  expect(other.body.toString('utf8').trim().split('\r\n')).toHaveLength(1);
}, 120_000); // five exports read back: under a loaded CI machine it took over 30 s once

test('the CSV export is UTF-8 with a BOM, quoted where needed, and the ledger entries on request (issue 11 item 3)', async () => {
  const r = await get('/api/incidents/export?format=csv&unit=eldercare', ADMIN);
  expect(r.headers.get('content-type')).toContain('text/csv');
  expect([...r.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = r.body.toString('utf8').slice(1).trim().split('\r\n');
  expect(lines[0].startsWith('编号,标题,发现时间,上报时间,来源,链接,单位,级别,类别,上报人,责任人及签收,')).toBe(true);
  expect(lines.slice(1).map((l: string) => l.split(',')[0])).toEqual(['YQ-20261110-001', 'YQ-20261130-002']);
  const l = await get('/api/incidents/export?format=csv&sheet=ledger&unit=eldercare', ADMIN);
  const rows = l.body.toString('utf8').slice(1).trim().split('\r\n');
  expect(rows[0]).toBe('序号,事件编号,时间,操作人,类型,内容,原始记录');
  expect(rows.length).toBeGreaterThan(2);
  expect((await get('/api/incidents/export?format=pdf', ADMIN)).body.message).toContain('xlsx 或 csv');
});
