import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { loadOrgConfig, parseOrgConfig } from '../../../src/config/load.js';
import { loadSettings } from '../../../src/config/settings.js';
import { ConfigError } from '../../../src/errors.js';

const raw = () => parse(readFileSync('config/default.yaml', 'utf8'));

describe('organisation config', () => {
  test('the demo organisation is valid: ≥3 units, a leadership group, ≥8 people, 3 chats bound on every platform', () => {
    const c = loadOrgConfig('config/default.yaml');
    expect(c.units.length).toBeGreaterThanOrEqual(3);
    expect(c.people.length).toBeGreaterThanOrEqual(8);
    expect(c.chats).toHaveLength(3);
    for (const chat of c.chats)
      expect(chat).toMatchObject({
        sandbox: true,
        wecomChatId: expect.any(String),
        dingtalkChatId: expect.any(String),
      });
    expect(c.severity.levels.map((l) => l.id)).toEqual(['I', 'II', 'III', 'IV']);
    expect(c.timezone).toBe('Asia/Shanghai');
  });
  test('approvals (issue 8): unknown approver roles, levels, categories and legal reviewers are named with their path', () => {
    const r = raw();
    r.approvals.statement.approvers = ['firstResponsible', 'boss'];
    r.approvals.plan.perLevel.V = { approvers: ['leader'] };
    r.approvals.statement.perCategory.gossip = { externalSignOff: true };
    r.approvals.legalReviewers = ['lawyer'];
    let msg = '';
    try {
      parseOrgConfig(r);
    } catch (e) {
      msg = (e as ConfigError).message;
    }
    expect(msg).toContain('approvals.statement.approvers[1]: unknown person or approver role "boss"');
    expect(msg).toContain('approvals.plan.perLevel.V: unknown level "V"');
    expect(msg).toContain('approvals.statement.perCategory.gossip: unknown category "gossip"');
    expect(msg).toContain('approvals.legalReviewers[0]: unknown person "lawyer"');
  });
  test('without an approvals section every kind defaults to first-responsible, leader or deputy', () => {
    const r = raw();
    delete r.approvals;
    const c = parseOrgConfig(r);
    expect(c.approvals.statement).toMatchObject({
      approvers: ['firstResponsible', 'leader', 'deputy'],
      externalSignOff: false,
    });
    expect(c.approvals.cardTextChars).toBe(160);
  });
  test('an unknown person is named with its path, e.g. units[2].firstResponsible', () => {
    const r = raw();
    r.units[2].firstResponsible = 'wang';
    expect(() => parseOrgConfig(r)).toThrow('units[2].firstResponsible: unknown person "wang"');
  });
  test('other cross-references and shapes are checked', () => {
    const r = raw();
    r.chats[0].unit = 'nowhere';
    r.severity.default = 'V';
    r.timezone = 'Mars/Base';
    r.milestones[0].limitWorkingDays = 3;
    let msg = '';
    try {
      parseOrgConfig(r);
    } catch (e) {
      msg = (e as ConfigError).message;
    }
    expect(msg).toContain('chats[0].unit: unknown unit "nowhere"');
    expect(msg).toContain('severity.default: unknown level "V"');
    expect(msg).toContain('timezone: unknown time zone "Mars/Base"');
    expect(msg).toContain('milestones[0]: give exactly one of limitMinutes, limitWorkingDays, sameDay');
  });
  test('a missing file or broken YAML stops start-up with a ConfigError', () => {
    expect(() => loadOrgConfig('config/none.yaml')).toThrow(ConfigError);
  });
  test('settings from the environment have defaults and reject bad values by name', () => {
    expect(loadSettings({})).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      SANDBOX: 'on',
      TRUST_PROXY: false,
      TIME_SCALE: 1,
    });
    expect(loadSettings({ SANDBOX: 'off' }).SANDBOX).toBe('off');
    expect(loadSettings({ SANDBOX: 'public' }).SANDBOX).toBe('public');
    expect(() => loadSettings({ SANDBOX: 'maybe' })).toThrow('SANDBOX');
    expect(() => loadSettings({ PORT: 'abc' })).toThrow('PORT');
    expect(() => loadSettings({ WECOM_AIBOT_ENCODING_AES_KEY: 'short' })).toThrow('WECOM_AIBOT_ENCODING_AES_KEY');
    expect(() => loadSettings({ WECOM_AIBOT_TOKEN: 'only-the-token' })).toThrow(
      'set both WECOM_AIBOT_TOKEN and WECOM_AIBOT_ENCODING_AES_KEY',
    );
  });
});

test('unknown keys (typos) are rejected with their path, not silently ignored', () => {
  const r = raw();
  r.escalaton = r.escalation;
  delete r.escalation;
  r.milestones[1].limitMinute = 5;
  let msg = '';
  try {
    parseOrgConfig(r);
  } catch (e) {
    msg = (e as Error).message;
  }
  expect(msg).toMatch(/\(root\): Unrecognized key.*"escalaton"/);
  expect(msg).toMatch(/milestones\[1\]: Unrecognized key.*"limitMinute"/);
});

test('duplicate platform ids, out-of-range times and contradictory calendar overrides are refused', () => {
  const r = raw();
  r.people[1].wecomUserId = r.people[0].wecomUserId;
  r.chats[2].wecomChatId = r.chats[0].wecomChatId;
  r.calendar.endOfDay = '25:99';
  r.calendar.extraHolidays = ['2026-10-10'];
  r.calendar.extraWorkdays = ['2026-10-10'];
  let msg = '';
  try {
    parseOrgConfig(r);
  } catch (e) {
    msg = (e as Error).message;
  }
  expect(msg).toContain('people[1].wecomUserId: "WangJianGuo" is also people[0].wecomUserId');
  expect(msg).toContain('chats[2].wecomChatId: "wrLeaders001" is also chats[0].wecomChatId');
  expect(msg).toContain('calendar.endOfDay: expected HH:mm between 00:00 and 24:00');
  expect(msg).toContain('calendar: dates both extra holiday and extra workday: 2026-10-10');
});
