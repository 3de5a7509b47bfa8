/**
 * Who approves a draft (domain.md "Approvals"; config `approvals:`): the rule for a kind at an
 * incident's level and category, and its approvers resolved through the incident's unit. Pure.
 */
import type { ApprovalKindRules, ApprovalsConfig } from '../../config/schema.js';
import type { Directory } from '../Directory.js';
import type { DraftKind } from './types.js';

/** The rule that applies: approvers (alternatives), and whether external sign-off / legal review are required. */
export interface ApprovalRule {
  /** Person ids or roles (`firstResponsible`, `directResponsible`, `spokesperson`, `leader`, `deputy`). */
  approvers: string[];
  externalSignOff: boolean;
  legalReview: boolean;
}

/**
 * The rule of `kind` for an incident at `level` in `category`: the base rule, then
 * `perCategory[category]`, then `perLevel[level]`, each overriding field by field (004 篇二: the
 * approvers of 特别重大/重大或较大 items differ and the upper authority is consulted).
 */
export function approvalRule(
  approvals: ApprovalsConfig,
  kind: DraftKind,
  level: string,
  category: string | null,
): ApprovalRule {
  const k: ApprovalKindRules = approvals[kind];
  const rule: ApprovalRule = {
    approvers: [...k.approvers],
    externalSignOff: k.externalSignOff,
    legalReview: k.legalReview,
  };
  for (const o of [category ? k.perCategory[category] : undefined, k.perLevel[level]]) {
    if (!o) continue;
    if (o.approvers) rule.approvers = [...o.approvers];
    if (o.externalSignOff !== undefined) rule.externalSignOff = o.externalSignOff;
    if (o.legalReview !== undefined) rule.legalReview = o.legalReview;
  }
  return rule;
}

/**
 * Resolves approver entries to person ids through the incident's unit: `firstResponsible`,
 * `directResponsible`, `spokesperson` of the unit; `leader` / `deputy` of the leadership group;
 * anything else is a person id. Duplicates and `exclude` (the draft's author: an approver never
 * approves their own draft) are dropped; order is kept.
 */
export function resolveApprovers(dir: Directory, unitId: string, entries: string[], exclude: string | null): string[] {
  const unit = dir.unit(unitId);
  const lg = dir.leadershipGroupSpec();
  const out: string[] = [];
  for (const e of entries) {
    const ids =
      e === 'firstResponsible'
        ? [unit?.firstResponsible]
        : e === 'directResponsible'
          ? [unit?.directResponsible]
          : e === 'spokesperson'
            ? [unit?.spokesperson]
            : e === 'leader'
              ? [lg.leader]
              : e === 'deputy'
                ? lg.deputies
                : [e];
    for (const id of ids) if (id && id !== exclude && !out.includes(id)) out.push(id);
  }
  return out;
}
