/**
 * Issue 10 item 3: every ledger kind has a Chinese label and shows its content — one table
 * (`LEDGER_LABELS`), walked here kind by kind (domain.md "Ledger": every step leaves an entry).
 */
import { LEDGER_LABELS, ledgerLine } from '../../../src/commands/render.js';
import { loadOrgConfig } from '../../../src/config/load.js';
import { Directory } from '../../../src/domain/Directory.js';
import { LEDGER_KINDS, type LedgerKind } from '../../../src/domain/types.js';

const dir = new Directory(loadOrgConfig('config/default.yaml'));
const at = new Date('2026-11-29T02:00:00Z'); // 10:00 Asia/Shanghai

/** A payload per kind, as the services write it, and a piece of content the line must show. */
const SAMPLES: Record<LedgerKind, { payload: Record<string, unknown>; shows: string[] }> = {
  'incident.opened': { payload: { title: '低保帖子', level: 'III' }, shows: ['低保帖子', '一般（III）'] },
  'incident.acknowledged': { payload: { role: 'firstResponsible' }, shows: ['第一责任人'] },
  'incident.level_changed': { payload: { from: 'III', to: 'II' }, shows: ['一般（III） → 重大或较大（II）'] },
  'incident.category_changed': { payload: { from: null, to: 'inquiry' }, shows: ['询问质疑诉求'] },
  'incident.status_changed': { payload: { from: 'reported', to: 'handling' }, shows: ['已上报 → 处置中'] },
  'incident.note': { payload: { text: '已联系发帖人' }, shows: ['已联系发帖人'] },
  'incident.assigned': { payload: { personId: 'chenjing', role: '核实' }, shows: ['陈静（核实）'] },
  'incident.closed': { payload: { summary: '已澄清', unmet: ['处置方案'] }, shows: ['已澄清', '处置方案'] },
  'incident.reopened': { payload: {}, shows: [] },
  'incident.feedback': { payload: { text: '网友追问进展' }, shows: ['网友追问进展'] },
  'message.sent': { payload: { text: '【舆情上报】**YQ-1**\n内容：…' }, shows: ['【舆情上报】YQ-1'] },
  'message.queued': { payload: { text: '【舆情上报】**YQ-1**\n内容：…' }, shows: ['【舆情上报】YQ-1'] },
  'message.failed': { payload: { outboxId: 42, key: 'open:YQ-1', platform: 'wecom' }, shows: ['消息编号 42'] },
  'message.requeued': { payload: { outboxId: 42 }, shows: ['消息编号 42'] },
  'milestone.planned': { payload: { count: 8, replanned: true }, shows: ['共 8 项', '重新计算'] },
  'milestone.met': { payload: { name: '初步研判', late: true }, shows: ['「初步研判」', '超时完成'] },
  'milestone.reminded': { payload: { name: '预警报告' }, shows: ['「预警报告」'] },
  'milestone.breached': {
    payload: { name: '报告领导小组', personIds: ['chenjing'], grade: 'minor' },
    shows: ['「报告领导小组」', '陈静', '轻微违约'],
  },
  'milestone.escalated': { payload: { name: '签收（吴芳）', targetName: '刘洋' }, shows: ['「签收（吴芳）」', '刘洋'] },
  'incident.published': {
    payload: { link: 'https://x.cn/1', version: 2, sha256: 'abcdef0123456789' },
    shows: ['https://x.cn/1', '第2版', 'abcdef012345'],
  },
  'approval.submitted': { payload: { kind: 'statement', version: 1 }, shows: ['稿件第1版'] },
  'approval.superseded': { payload: { kind: 'plan', version: 1, by: 2 }, shows: ['处置方案第1版被第2版取代'] },
  'approval.approved': { payload: { kind: 'statement', version: 3 }, shows: ['稿件第3版'] },
  'approval.rejected': { payload: { kind: 'statement', version: 1, reason: '口径不准' }, shows: ['口径不准'] },
  'approval.signed_off': {
    payload: { type: 'external', body: '县委网信办', opinion: '同意' },
    shows: ['县委网信办', '同意'],
  },
  'breach.graded': {
    payload: { name: '报告领导小组', personIds: ['chenjing'], from: 'minor', grade: 'major', note: '迟报' },
    shows: ['「报告领导小组」', '陈静', '轻微违约 → 重大违约', '理由：迟报'],
  },
  'report.submitted': {
    payload: { type: 'warning', note: '已报县委网信办' },
    shows: ['报送', '预警报告：已报县委网信办'],
  },
  'duty.filed': {
    payload: { shiftDate: '2026-11-29', findings: '未发现新的重大负面舆情', nil: true },
    shows: ['值班报告', '2026-11-29 班次：未发现新的重大负面舆情'],
  },
  'duty.missed': { payload: { unitId: 'relief', shiftDate: '2026-11-29' }, shows: ['值班报告未报', '2026-11-29 班次'] },
  'duty.escalated': {
    payload: { unitId: 'relief', shiftDate: '2026-11-29' },
    shows: ['值班报告未报升级', '2026-11-29 班次'],
  },
};

test.each([...LEDGER_KINDS])('%s has a Chinese label and shows its content', (kind) => {
  const line = ledgerLine(
    dir,
    { seq: 1, incidentId: 'YQ-1', actor: 'wufang', kind, payload: SAMPLES[kind].payload, at },
    true,
  );
  expect(line).toMatch(new RegExp(`^11-29 10:00 吴芳 ${LEDGER_LABELS[kind].label}`));
  expect(LEDGER_LABELS[kind].label).toMatch(/^[\u4e00-\u9fff]+$/);
  expect(line).not.toContain(kind);
  for (const s of SAMPLES[kind].shows) expect(line).toContain(s);
});

test('a level "changed" to the level it has reads as confirmed (issue 10 item 5)', () => {
  const e = { seq: 1, incidentId: 'YQ-1', actor: 'wufang', kind: 'incident.level_changed' as const, at };
  expect(ledgerLine(dir, { ...e, payload: { from: 'II', to: 'II' } })).toBe(
    '11-29 10:00 吴芳 定级：确认为 重大或较大（II）',
  );
});

test('notices sent are left out of the default view and shown with 全部 (issue 10 item 6)', () => {
  const e = { seq: 1, incidentId: 'YQ-1', actor: 'bot', kind: 'message.sent' as const, payload: { text: 'x' }, at };
  expect(ledgerLine(dir, e)).toBeNull();
  expect(ledgerLine(dir, e, true)).toBe('11-29 10:00 系统 发出通知：x');
  const q = { ...e, kind: 'message.queued' as const };
  expect(ledgerLine(dir, q)).toBeNull();
  expect(ledgerLine(dir, q, true)).toBe('11-29 10:00 系统 通知排队发送：x');
});
