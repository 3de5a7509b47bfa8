/**
 * Approvals of statements and handling plans (issue 8; domain.md "Approvals", "The handling
 * flow"): drafts are versioned, each version goes to the configured approvers (any one suffices,
 * 004 篇二) as a card; only they decide, never on their own draft; the first decision wins (the
 * store's conditional UPDATE); sign-offs (external for I–II, legal where configured) are recorded;
 * nothing is published unless the current statement version is approved (000 L1).
 * Same transaction discipline as `IncidentService`: cards and notices are outbox rows queued in the
 * decision's transaction (issue 14), keyed `approval:<incident>:<kind>:v<version>` / `decision:…`.
 */
import { ForbiddenError, NotFoundError, UsageError } from '../../errors.js';
import type { Actor } from '../incident-events.js';
import { effectiveLevel } from '../responsibility.js';
import { IncidentTransactions } from '../IncidentTransactions.js';
import type { CardSpec, IncidentRepo, Notice } from '../ports.js';
import type { Incident } from '../types.js';
import { approvalCard, decidedNotice, KIND_WORDS, kindName, submittedNotice } from './approval-messages.js';
import { approvalRule, resolveApprovers } from './approvers.js';
import { currentVersion, publishRecord, sha256, stillNeeded } from './publish-gate.js';
import { type DraftKind, type DraftVersion, KIND_NAMES, type SignOff } from './types.js';

/** Result of a submission. */
export interface SubmitResult {
  incident: Incident;
  version: DraftVersion;
  notice: Notice;
  /** Cards of versions this one superseded (to be re-rendered without buttons). */
  supersededCards: CardSpec[];
}

/** Result of a decision attempt. Only `decided` changed anything. */
export type DecideResult =
  | { outcome: 'decided'; incident: Incident; version: DraftVersion; card: CardSpec; notice: Notice }
  | { outcome: 'not_approver'; incident: Incident; version: DraftVersion; own: boolean }
  | { outcome: 'already'; incident: Incident; version: DraftVersion }
  | { outcome: 'superseded'; incident: Incident; version: DraftVersion; latest: number }
  | { outcome: 'needs_reason'; incident: Incident; version: DraftVersion };

/** A version and its sign-offs, for `/查看` and `/列表 待审批`. */
export interface VersionView extends DraftVersion {
  signOffs: SignOff[];
}

export class ApprovalService extends IncidentTransactions {
  /**
   * Submits a new version of a statement or plan (`/拟稿`, `/方案`). Its approvers are the
   * configured alternatives for the incident's level and category, resolved through its unit,
   * less the author; the requirement of external sign-off / legal review is snapshotted with it.
   * Earlier pending versions of the kind are superseded. The card is queued in the outbox for the
   * incident's chat and 1:1 for each approver (`cardDirect`), in this transaction (when submitted from
   * the incident's chat the bot delivers that row as the command's reply: a WeCom passive reply keeps
   * its buttons clickable); the approval milestone is planned through the hooks.
   * @throws UsageError for an empty text; ForbiddenError for a sender not in the config or when
   *   nobody but the author could approve; ConflictError when closed; NotFoundError.
   */
  async submit(actor: Actor, incidentId: string, kind: DraftKind, text: string): Promise<SubmitResult> {
    const body = text.trim();
    if (!body) throw new UsageError(`请写明${KIND_NAMES[kind]}全文。`);
    if (!actor.personId)
      throw new ForbiddenError('您不在本单位通讯录中，不能提交稿件。请联系管理员在配置的 people 中登记您的账号。');
    const now = this.deps.clock.now();
    const superseded: DraftVersion[] = [];
    const result = await this.run(
      actor,
      async (repo) => {
        const incident = await this.lockOpen(repo, incidentId);
        const level = effectiveLevel(incident);
        const rule = approvalRule(this.dir.approvalRules(), kind, level, incident.category);
        const approvers = resolveApprovers(this.dir, incident.unitId, rule.approvers, actor.personId);
        if (approvers.length === 0)
          throw new ForbiddenError(
            `${KIND_NAMES[kind]}的审批人只有您本人，不能自己审批自己起草的稿件。请由其他人起草，或请管理员调整 approvals 配置。`,
          );
        const existing = (await repo.approvals.versions(incidentId)).filter((v) => v.kind === kind);
        const number = Math.max(0, ...existing.map((v) => v.version)) + 1;
        const version = await repo.approvals.insertVersion({
          incidentId,
          kind,
          version: number,
          text: body,
          textSha256: sha256(body),
          authorId: actor.personId!,
          submittedAt: now,
          level,
          approverIds: approvers,
          externalRequired: rule.externalSignOff,
          legalRequired: rule.legalReview,
        });
        for (const old of await repo.approvals.supersede(incidentId, kind, number)) {
          superseded.push(old);
          await repo.appendLedger({
            incidentId,
            actor: actor.id,
            kind: 'approval.superseded',
            at: now,
            payload: { kind, version: old.version, by: number },
          });
        }
        await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: 'approval.submitted',
          at: now,
          payload: {
            kind,
            version: number,
            text: body,
            sha256: version.textSha256,
            level,
            approvers,
            externalRequired: rule.externalSignOff,
            legalRequired: rule.legalReview,
          },
        });
        return { incident, event: { type: 'approval_submitted', kind, version: number }, value: version };
      },
      async (repo, incident, value) => {
        const version = value as DraftVersion;
        const notice = submittedNotice(this.dir, incident, version, await this.dueOf(repo, version));
        await this.queueNotice(repo, incident.id, approvalKey('approval', incident.id, version), notice);
        const supersededCards = superseded.map((o) =>
          approvalCard(
            this.dir,
            incident,
            { ...o, state: 'superseded' },
            { dueAt: null, supersededBy: version.version },
          ),
        );
        return { incident, version, notice, supersededCards };
      },
    );
    return result;
  }

  /**
   * Decides on a version (a card button, `/通过`, `/驳回`). `version` omitted = the kind's latest.
   * Only the version's designated approvers count, never its author; anyone else changes nothing.
   * A rejection needs a reason (without one: `needs_reason`, nothing changes). The first decision
   * wins: the store's conditional UPDATE lets exactly one of concurrent deciders through; the others
   * get `already` (who was first). A superseded version changes nothing (`superseded`).
   * The decision meets the version's approval milestone through the hooks; the author's notice is queued in the same transaction (`decision:<incident>:<kind>:v<n>`).
   * @throws NotFoundError for an unknown incident or when the kind has no version; ConflictError when closed.
   */
  async decide(
    actor: Actor,
    incidentId: string,
    kind: DraftKind,
    version: number | undefined,
    outcome: 'approved' | 'rejected',
    reason: string,
  ): Promise<DecideResult> {
    const now = this.deps.clock.now();
    let result: DecideResult | undefined;
    let notice: Notice | undefined;
    await this.run(
      actor,
      async (repo) => {
        // the incident row first (the order every incident transaction takes: no deadlock with a
        // concurrent submission); the decision itself is still the version row's conditional UPDATE
        const incident = await this.lockOpen(repo, incidentId);
        const all = (await repo.approvals.versions(incidentId)).filter((v) => v.kind === kind);
        const latest = Math.max(0, ...all.map((v) => v.version));
        const v = all.find((x) => x.version === (version ?? latest));
        if (!v)
          throw new NotFoundError(
            `${incidentId} 还没有${version ? `第${version}版` : ''}${kindName(kind, incident)}。用 /查看 ${incidentId} 查看各版本。`,
          );
        const settle = (r: DecideResult) => {
          result = r;
          return { incident };
        };
        if (v.state === 'superseded') return settle({ outcome: 'superseded', incident, version: v, latest });
        if (v.state !== 'pending') return settle({ outcome: 'already', incident, version: v });
        if (!actor.personId || !v.approverIds.includes(actor.personId))
          return settle({ outcome: 'not_approver', incident, version: v, own: actor.personId === v.authorId });
        const why = reason.trim();
        if (outcome === 'rejected' && !why) return settle({ outcome: 'needs_reason', incident, version: v });
        const decided = await repo.approvals.decide(v.id, {
          state: outcome,
          by: actor.personId,
          at: now,
          reason: outcome === 'rejected' ? why : null,
        });
        if (!decided) {
          // lost the race: another approver's decision (or a new version) committed first
          const fresh = (await repo.approvals.versions(incidentId)).find((x) => x.id === v.id)!;
          return settle(
            fresh.state === 'superseded'
              ? { outcome: 'superseded', incident, version: fresh, latest: latest + 1 }
              : { outcome: 'already', incident, version: fresh },
          );
        }
        await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: outcome === 'approved' ? 'approval.approved' : 'approval.rejected',
          at: now,
          payload: {
            kind,
            version: v.version,
            sha256: v.textSha256,
            ...(outcome === 'rejected' ? { reason: why, author: v.authorId } : {}),
          },
        });
        result = {
          outcome: 'decided',
          incident,
          version: decided,
          card: undefined as never,
          notice: undefined as never,
        };
        return { incident, event: { type: 'approval_decided', kind, version: v.version, outcome } };
      },
      async (repo, incident) => {
        if (result?.outcome !== 'decided') return;
        const v = result.version;
        const signOffs = await repo.approvals.signOffs([v.id]);
        notice = decidedNotice(this.dir, incident, v, stillNeeded(this.dir, v, signOffs, incident));
        await this.queueNotice(repo, incident.id, approvalKey('decision', incident.id, v), notice);
        result = { ...result, incident, card: approvalCard(this.dir, incident, v, { dueAt: null }), notice };
      },
    );
    return result!;
  }

  /**
   * Records a sign-off on the kind's current version (pending or approved): `external` — the upper
   * authority's confirmation, entered by the unit's office (`/外部确认 <编号> <机构> <意见>`; 004
   * 篇二); `legal` — a legal review by one of `approvals.legalReviewers` (`/法务审核`; 003).
   * @throws ForbiddenError for anyone else; NotFoundError when there is no current version;
   *   UsageError for an empty body or opinion.
   */
  async signOff(
    actor: Actor,
    incidentId: string,
    kind: DraftKind,
    type: 'external' | 'legal',
    body: string,
    opinion: string,
  ): Promise<{ incident: Incident; version: DraftVersion; stillNeeded: string[] }> {
    if (!opinion.trim() || !body.trim())
      throw new UsageError(type === 'external' ? '请写明机构和意见。' : '请写明审核意见。');
    const now = this.deps.clock.now();
    return this.run(
      actor,
      async (repo) => {
        const incident = await this.lockOpen(repo, incidentId);
        if (type === 'external' && !this.dir.may(actor.personId, incident.unitId, 'signOff'))
          throw new ForbiddenError('外部确认由领导小组办公室登记（permissions.signOff），您没有登记权限。');
        if (type === 'legal' && !(actor.personId && this.dir.approvalRules().legalReviewers.includes(actor.personId)))
          throw new ForbiddenError('法务审核须由配置的法务人员（approvals.legalReviewers）登记。');
        const current = currentVersion((await repo.approvals.versions(incidentId)).filter((v) => v.kind === kind));
        if (!current || current.state === 'rejected')
          throw new NotFoundError(`${incidentId} 没有待审或已通过的${kindName(kind, incident)}，无需确认。`);
        const s = await repo.approvals.insertSignOff({
          versionId: current.id,
          type,
          body: body.trim(),
          opinion: opinion.trim(),
          enteredBy: actor.personId!,
          at: now,
        });
        await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: 'approval.signed_off',
          at: now,
          payload: { kind, version: current.version, type, body: s.body, opinion: s.opinion },
        });
        return { incident, value: current };
      },
      async (repo, incident, value) => {
        const version = value as DraftVersion;
        const signOffs = await repo.approvals.signOffs([version.id]);
        return { incident, version, stillNeeded: stillNeeded(this.dir, version, signOffs, incident) };
      },
    );
  }

  /**
   * The publish gate (000 L1 "敏感信息需经审批后方可发布"), called by `IncidentService.publish` inside
   * its transaction; see `publishRecord` in publish-gate.ts.
   * @throws ConflictError with a Chinese message saying what is missing.
   */
  async publishRecord(repo: IncidentRepo, incident: Incident): Promise<Record<string, unknown>> {
    const v = currentVersion((await repo.approvals.versions(incident.id)).filter((x) => x.kind === 'statement'));
    return publishRecord(this.dir, incident, v, v ? await repo.approvals.signOffs([v.id]) : []);
  }

  /** Every version of an incident with its sign-offs, oldest first. */
  async versions(incidentId: string): Promise<VersionView[]> {
    const repo = this.deps.uow.repo;
    const vs = await repo.approvals.versions(incidentId);
    const so = await repo.approvals.signOffs(vs.map((v) => v.id));
    return vs.map((v) => ({ ...v, signOffs: so.filter((s) => s.versionId === v.id) }));
  }

  /** Versions awaiting a decision across all incidents, oldest first, with their incidents. */
  async pending(): Promise<Array<{ incident: Incident; version: DraftVersion }>> {
    const repo = this.deps.uow.repo;
    const out: Array<{ incident: Incident; version: DraftVersion }> = [];
    for (const version of await repo.approvals.pendingVersions()) {
      const incident = await repo.getIncident(version.incidentId);
      if (incident && incident.status !== 'closed') out.push({ incident, version });
    }
    return out;
  }

  /**
   * The kinds that were awaiting a decision at `asOf` (the rollup's 待审批, issue 9 item 1): per
   * kind, the latest version submitted by then, not decided by then (a version superseded later
   * was still awaiting then). For `asOf` = now this equals `pendingKinds`.
   */
  static awaitingKindsAt(versions: DraftVersion[], asOf: Date): DraftKind[] {
    const latest = new Map<DraftKind, DraftVersion>();
    for (const v of versions) {
      if (v.submittedAt > asOf) continue;
      const cur = latest.get(v.kind);
      if (!cur || v.version > cur.version) latest.set(v.kind, v);
    }
    return [...latest.values()].filter((v) => v.decidedAt === null || v.decidedAt > asOf).map((v) => v.kind);
  }

  /**
   * Which of `incidentIds` had a statement or plan awaiting a decision at `asOf` (the rollup's
   * 待审批: `awaitingKindsAt` per incident), from one read of all their versions.
   */
  async awaitingAt(incidentIds: readonly string[], asOf: Date): Promise<Set<string>> {
    const byIncident = new Map<string, DraftVersion[]>();
    for (const v of await this.deps.uow.repo.approvals.versionsOf(incidentIds)) {
      const list = byIncident.get(v.incidentId);
      if (list) list.push(v);
      else byIncident.set(v.incidentId, [v]);
    }
    const awaiting = new Set<string>();
    for (const [id, versions] of byIncident)
      if (ApprovalService.awaitingKindsAt(versions, asOf).length > 0) awaiting.add(id);
    return awaiting;
  }

  /** The kinds with a version awaiting a decision, for picking the one a command means. */
  static pendingKinds(versions: DraftVersion[]): DraftKind[] {
    return [...new Set(versions.filter((v) => v.state === 'pending').map((v) => v.kind))];
  }

  /** The card of a version as it stands now (e.g. to answer a click on a decided one). */
  async cardOf(incident: Incident, v: DraftVersion, latest?: number): Promise<CardSpec> {
    return approvalCard(this.dir, incident, v, {
      dueAt: await this.dueOf(this.deps.uow.repo, v),
      supersededBy: latest,
    });
  }

  // ---- internals ----

  /** The due time of a version's approval milestone, if one is planned. */
  private async dueOf(repo: IncidentRepo, v: DraftVersion): Promise<Date | null> {
    const clock = v.kind === 'statement' ? 'statementSubmitted' : 'planSubmitted';
    const keys = this.dir
      .milestoneSpecs()
      .filter((m) => m.clock === clock)
      .map((m) => `${m.key}:v${v.version}`);
    const m = (await repo.milestones(v.incidentId)).find((x) => keys.includes(x.key));
    return m?.dueAt ?? null;
  }
}

export { KIND_WORDS, sha256 };

/**
 * The outbox idempotency key of a version's card (`approval:`) or of its decision notice
 * (`decision:`): `<prefix>:<incident>:<kind>:v<version>` (issue 14 item 1: one row per cause).
 */
export function approvalKey(
  prefix: 'approval' | 'decision',
  incidentId: string,
  v: Pick<DraftVersion, 'kind' | 'version'>,
): string {
  return `${prefix}:${incidentId}:${v.kind}:v${v.version}`;
}
