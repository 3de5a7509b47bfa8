/**
 * Follows incident events (an `IncidentHook`) to keep milestones in step with the incident
 * (issue 4): plans them on opening, re-plans on a level or category change, an assignment and on
 * reopening and when feedback arrives (`/反馈` starts the feedback clock), on a draft's submission
 * and decision (issue 8: one approval milestone per version awaiting approval), meets them on the
 * events named in their `metBy` (`approve`/`reject` meet the decided version's approval milestone;
 * an approved plan meets `plan`), cancels them on closing and plans
 * the closure-clock ones (handling report, after-action report). All inside the incident's
 * transaction, the first chase run of each milestone included, written by the plan's own statement, when the
 * scheduler offers `jobsInTransaction` (otherwise the chase jobs are scheduled after commit).
 */
import { randomUUID } from 'node:crypto';
import type { WorkingCalendar } from '../calendar.js';
import type { Directory } from '../Directory.js';
import type { IncidentEvent, IncidentEventContext, IncidentHook } from '../incident-events.js';
import {
  firstChaseStep,
  parseMilestoneKey,
  planMilestonesDetailed,
  replan,
  snapshotPolicy,
  takeEscalationSnapshot,
} from '../milestones/index.js';
import type { ChaseScheduler, DomainLogger, IncidentRepo, Notice } from '../ports.js';
import { effectiveLevel, incidentPeople } from '../responsibility.js';
import type { Incident, MilestoneRecord } from '../types.js';

/** Dependencies of the planner. `timeScale` < 1 compresses every duration (drill mode). */
export interface DeadlinePlannerDeps {
  directory: Directory;
  calendar: WorkingCalendar;
  timeScale: number;
  scheduler: ChaseScheduler;
  log: DomainLogger;
  /**
   * Steps already overdue when a plan is made (a backdated report): performed in the transaction,
   * returning one catch-up notice per audience (`ChaseService.catchUp`; issue 10 item 10).
   */
  catchUp?: (repo: IncidentRepo, incident: Incident, at: Date) => Promise<Notice[]>;
}

/** Which `metBy` name an event meets (config `milestones[].metBy`). */
const MET_BY: Partial<Record<IncidentEvent['type'], string>> = {
  acknowledged: 'ack',
  level_changed: 'level',
  updated: 'update',
  published: 'publish',
  closed: 'close',
};

/** The events that (re)plan, and the reason recorded with the plan. */
const PLAN_REASON: Partial<Record<IncidentEvent['type'], string>> = {
  opened: 'opened',
  level_changed: 'level_changed',
  category_changed: 'category_changed',
  assigned: 'assigned',
  closed: 'closed',
  reopened: 'reopened',
  feedback: 'feedback',
  // a new version waits afresh (a superseded one's wait is dropped); a decided one waits no more
  approval_submitted: 'approval_submitted',
  approval_decided: 'approval_decided',
};

export class DeadlinePlanner implements IncidentHook {
  constructor(private readonly deps: DeadlinePlannerDeps) {}

  /** See the file comment. Returns the after-commit scheduling step when a plan changed. */
  async onEvent(ctx: IncidentEventContext): Promise<(() => Promise<void>) | void> {
    const { repo, incident, event, actor, at } = ctx;
    const metBy = MET_BY[event.type];
    if (metBy)
      await this.meet(
        repo,
        incident.id,
        actor.id,
        at,
        (m, base) =>
          this.spec(base)?.metBy.includes(metBy) === true &&
          (event.type !== 'acknowledged' ||
            !this.spec(base)?.perOwner ||
            parseMilestoneKey(m.key).personId === event.personId),
      );
    if (event.type === 'milestone_done') await this.meet(repo, incident.id, actor.id, at, (m) => m.key === event.key);
    if (event.type === 'approval_decided') {
      // the decided version's approval milestone (metBy approve / reject); an approved plan also meets `plan`
      const name = event.outcome === 'approved' ? 'approve' : 'reject';
      const clock = event.kind === 'statement' ? 'statementSubmitted' : 'planSubmitted';
      await this.meet(repo, incident.id, actor.id, at, (m, base) => {
        const spec = this.spec(base);
        if (!spec) return false;
        if (spec.clock === clock)
          return spec.metBy.includes(name) && parseMilestoneKey(m.key).personId === `v${event.version}`;
        return event.kind === 'plan' && event.outcome === 'approved' && spec.metBy.includes('plan');
      });
    }
    const reason = PLAN_REASON[event.type];
    if (!reason) return undefined;
    if (event.type === 'closed') await repo.cancelOpenMilestones(incident.id);
    const { schedule, overdue } = await this.plan(repo, incident, at, reason);
    if (overdue) await this.catchUpOverdue(ctx, reason);
    return schedule;
  }

  /**
   * Posts the catch-up notices of steps already overdue under the new plan. On opening, the
   * reporting chat and the owning unit's chat hear it in the open notice (which lists overdue and
   * upcoming apart), so only those audiences' 1:1 recipients get the catch-up there.
   */
  private async catchUpOverdue(ctx: IncidentEventContext, reason: string): Promise<void> {
    if (!this.deps.catchUp) return;
    const planned = (await ctx.repo.getIncident(ctx.incident.id)) ?? ctx.incident;
    // one key per plan and audience: a retried transaction queues nothing twice (issue 14)
    const key = (audience: string) => `catchup:${planned.id}:${planned.planId ?? ''}:${audience}`;
    for (const n of await this.deps.catchUp(ctx.repo, planned, ctx.at)) {
      const openNoticeChats = [planned.chatId, this.deps.directory.incidentChat(planned)];
      if (reason === 'opened' && n.chatId && openNoticeChats.includes(n.chatId)) {
        if (n.directTo?.length) await ctx.post(key(`direct:${n.chatId}`), { ...n, chatId: undefined });
      } else await ctx.post(key(n.chatId ? `chat:${n.chatId}` : 'direct'), n);
    }
  }

  /** When the latest feedback was received (`/反馈`, ledger `incident.feedback`): the feedback clock. */
  private async feedbackAt(repo: IncidentRepo, incidentId: string): Promise<Date | null> {
    const last = (await repo.ledger(incidentId)).filter((e) => e.kind === 'incident.feedback').pop();
    return last ? last.at : null;
  }

  private spec(baseKey: string) {
    return this.deps.directory.milestoneSpec(baseKey);
  }

  private async meet(
    repo: IncidentRepo,
    incidentId: string,
    by: string,
    at: Date,
    which: (m: MilestoneRecord, baseKey: string) => boolean,
  ): Promise<void> {
    for (const m of await repo.milestones(incidentId)) {
      if (m.state !== 'open' || !which(m, parseMilestoneKey(m.key).baseKey)) continue;
      if (await repo.markMilestoneMet(incidentId, m.key, by, at)) {
        const late = m.dueAt < at;
        await repo.appendLedger({
          incidentId,
          actor: by,
          kind: 'milestone.met',
          at,
          payload: { key: m.key, name: m.name, dueAt: m.dueAt.toISOString(), late },
        });
      }
    }
  }

  /** Plans under a new plan id, merges with what exists, ledgers it, schedules it (or returns the step that does). */
  private async plan(
    repo: IncidentRepo,
    incident: Incident,
    at: Date,
    reason: string,
  ): Promise<{ schedule: () => Promise<void>; overdue: boolean }> {
    const dir = this.deps.directory;
    const planId = randomUUID();
    const level = effectiveLevel(incident);
    // an incident opened in this transaction has no assignments, feedback, drafts or milestones yet:
    // its plan reads none of them (four round trips fewer under the number lock; issue 15 item 1)
    const fresh = reason === 'opened';
    const assignees = fresh ? [] : (await repo.assignments(incident.id)).map((a) => a.personId);
    const { records, skipped } = planMilestonesDetailed({
      incident: {
        id: incident.id,
        foundAt: incident.foundAt,
        occurredAt: incident.occurredAt,
        reportedAt: incident.reportedAt,
        closedAt: incident.closedAt,
        level,
        category: incident.category,
        feedbackAt: fresh ? null : await this.feedbackAt(repo, incident.id),
        awaitingApproval: fresh
          ? []
          : (await repo.approvals.versions(incident.id))
              .filter((v) => v.state === 'pending')
              .map((v) => ({
                kind: v.kind,
                version: v.version,
                submittedAt: v.submittedAt,
                approverIds: v.approverIds,
              })),
      },
      people: incidentPeople(dir, incident, assignees),
      milestones: dir.milestoneSpecs(),
      calendar: this.deps.calendar,
      timezone: dir.timezone,
      endOfDay: dir.endOfDay,
      timeScale: this.deps.timeScale,
      planId,
      nameOf: (p) => dir.nameOf(p),
    });
    const existing = fresh ? [] : await repo.milestones(incident.id);
    const merged = replan(existing, records, { reviveCancelled: reason === 'reopened' });
    // the policy this plan is chased by, whatever the config says later (grafana/oncall escalation_snapshot)
    const escalation = takeEscalationSnapshot(dir.escalationPolicy(), level);
    const open = merged.open;
    // catch-up (overdue steps) only when an open milestone is already due (a backdated report)
    const overdue = open.some((m) => m.dueAt <= at);
    const runs = open.flatMap((m) => {
      const first = firstChaseStep(m, snapshotPolicy(escalation), level, dir.timezone, this.deps.timeScale);
      return first ? [{ run: { incidentId: incident.id, key: m.key, planId }, at: first.notifyAt }] : [];
    });
    const jobs = this.deps.scheduler.jobsInTransaction?.(runs);
    // milestones, the incident's plan id, the snapshot, the ledger entry and the first chase runs'
    // scheduler rows: one statement (issue 15 item 1)
    await repo.savePlan({
      incidentId: incident.id,
      planId,
      open: merged.open,
      escalation,
      at,
      jobs,
      entry: {
        incidentId: incident.id,
        actor: 'system',
        kind: 'milestone.planned',
        at,
        payload: {
          planId,
          reason,
          level,
          count: merged.open.length,
          replanned: reason !== 'opened',
          added: merged.added,
          changed: merged.changed.map((c) => ({ key: c.key, from: c.from.toISOString(), to: c.to.toISOString() })),
          dropped: merged.dropped.map((d) => d.key),
          skipped,
        },
      },
    });
    const scheduled = () =>
      this.deps.log.info(
        { incidentId: incident.id, planId, reason, milestones: open.length },
        'milestone chases scheduled',
      );
    // written by savePlan: the commit that makes the plan also schedules it (issue 15 item 1)
    if (jobs) return { schedule: async () => scheduled(), overdue };
    const schedule = async () => {
      for (const r of runs) await this.deps.scheduler.schedule(r.run, r.at);
      scheduled();
    };
    return { schedule, overdue };
  }
}
