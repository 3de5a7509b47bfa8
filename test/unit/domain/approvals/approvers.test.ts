/**
 * Who approves (issue 8 item 2; domain.md "Approvals"): alternatives per kind and level, any one of
 * which suffices (004 篇二), resolved through the incident's unit; never the author.
 */
import { loadOrgConfig } from '../../../../src/config/load.js';
import { approvalRule, resolveApprovers } from '../../../../src/domain/approvals/approvers.js';
import { Directory } from '../../../../src/domain/Directory.js';
import { renderDiff } from '../../../../src/commands/render-drafts.js';

const dir = new Directory(loadOrgConfig('config/default.yaml'));
const approvals = dir.approvalRules();

test('level III statement: first-responsible, leader or deputy; no external sign-off', () => {
  const rule = approvalRule(approvals, 'statement', 'III', 'hype');
  expect(rule).toEqual({
    approvers: ['firstResponsible', 'leader', 'deputy'],
    externalSignOff: false,
    legalReview: false,
  });
  expect(resolveApprovers(dir, 'relief', rule.approvers, 'zhangmin')).toEqual(['liuyang', 'wangjg', 'lihua']);
});

test('levels I–II need the upper authority sign-off (004 篇二 特别重大/重大或较大); the level wins over the category', () => {
  expect(approvalRule(approvals, 'statement', 'I', 'inquiry')).toEqual({
    approvers: ['leader'],
    externalSignOff: true,
    legalReview: false,
  });
  expect(approvalRule(approvals, 'statement', 'II', null).externalSignOff).toBe(true);
  expect(approvalRule(approvals, 'plan', 'II', null).externalSignOff).toBe(false);
});

test('inquiry replies are approved by the principal leader and the group (001 "审定后统一回复")', () => {
  expect(approvalRule(approvals, 'statement', 'III', 'inquiry').approvers).toEqual(['firstResponsible', 'leader']);
});

test('the author is never an approver; a person counted twice (bureau: first-responsible = leader) once', () => {
  expect(resolveApprovers(dir, 'bureau', ['firstResponsible', 'leader', 'deputy'], 'lihua')).toEqual(['wangjg']);
  expect(resolveApprovers(dir, 'bureau', ['firstResponsible', 'leader'], 'wangjg')).toEqual([]);
  expect(resolveApprovers(dir, 'relief', ['hegang', 'directResponsible'], null)).toEqual(['hegang', 'wufang']);
});

test('the diff of two versions marks insertions and deletions (the diff library, not our own)', () => {
  expect(renderDiff('该户已于11月纳入低保。', '该户已于11月20日纳入低保。')).toBe('该户已于11月【+20日】纳入低保。');
  expect(renderDiff('请勿转发。', '请勿传播。')).toBe('请勿【-转发】【+传播】。');
});
