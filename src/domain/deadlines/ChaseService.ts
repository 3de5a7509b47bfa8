/**
 * Runs one milestone's chase (issue 4), Grafana-OnCall style: under the incident's row lock it
 * checks that the run's plan id is the incident's active plan (else the run is stale and does
 * nothing), re-checks that the milestone is still open, then works through every step whose time
 * has come — reminders before the deadline, the breach at it, the escalation ladder after it —
 * claiming each (incident, milestone, step, plan) exactly once. Its notices are queued in the
 * outbox in the same transaction (key `chase:<incident>:<milestone>:<steps>:<plan>`), so a run
 * only writes rows and never waits for a platform; the caller schedules the next run at the
 * returned time.
 */
import type { Directory } from '../Directory.js';
import {
  chaseSchedule,
  gradeBreach,
  nextStep,
  resolveLadderTarget,
  snapshotPolicy,
  takeEscalationSnapshot,
  type ChaseStep,
  type EscalationSnapshot,
  type LadderDelivery,
} from '../milestones/index.js';
import type { ChaseRun, Clock, DomainLogger, IncidentRepo, Notice, UnitOfWork } from '../ports.js';
import { effectiveLevel, seniority } from '../responsibility.js';
import type { Incident, MilestoneRecord } from '../types.js';
import {
  breachNotice,
  type CatchUpAudience,
  catchUpNotice,
  escalationNotice,
  reminderNotice,
} from './chase-messages.js';

/** Outcome of a run: when to run next (domain clock), or null when this milestone's chase is over. */
export interface ChaseOutcome {
  next: Date | null;
  /** Steps acted on in this run (`remind:50`, `breach`, `escalate:2:directResponsible`, …). */
  fired: string[];
  /** Why nothing (more) happens, when it stops: `stale-plan`, `not-open`, `no-incident`, `done`. */
  stopped?: string;
}

/**
 * The token a step is claimed under. Reminders and the breach belong to one plan; ladder rungs
 * belong to the breach they follow (`b:<breachedAt>`), so a re-plan after the breach (a level
 * change) does not replay rungs already sent, while a new breach after reopening starts afresh.
 */
export function claimToken(step: ChaseStep, m: MilestoneRecord, planId: string): string {
  return step.kind === 'escalate' && m.breachedAt ? `b:${m.breachedAt.toISOString()}` : planId;
}

export class ChaseService {
  constructor(
    private readonly deps: {
      uow: UnitOfWork;
      directory: Directory;
      clock: Clock;
      timeScale: number;
      log: DomainLogger;
    },
  ) {}

  /** Runs the due steps of one milestone. Never throws for a stale or finished run (it logs why). */
  async run(run: ChaseRun): Promise<ChaseOutcome> {
    return this.deps.uow.transaction(async (repo) => {
      const notices: Notice[] = [];
      const steps: string[][] = [];
      const queue = async () => {
        for (const [k, n] of mergeNotices(notices, steps).entries()) {
          const key = `chase:${run.incidentId}:${run.key}:${n.steps.join('+')}:${run.planId}`;
          // the entry in the outbox's own statement, only when a row was new (issue 15 item 1)
          await repo.enqueueNotice(key, run.incidentId, n.notice, {
            incidentId: run.incidentId,
            actor: 'bot',
            kind: 'message.queued',
            at: this.deps.clock.now(),
            payload: {
              key,
              chatId: n.notice.chatId ?? null,
              text: n.notice.text,
              mentions: n.notice.mentions,
              part: k,
            },
          });
        }
      };
      const incident = await repo.getIncident(run.incidentId, { forUpdate: true });
      if (!incident) return this.stop(run, 'no-incident');
      if (incident.planId !== run.planId) return this.stop(run, 'stale-plan');
      const m = (await repo.milestones(run.incidentId)).find((x) => x.key === run.key);
      if (m?.state !== 'open' || m.planId !== run.planId) return this.stop(run, 'not-open');
      const policy = await this.policyOf(repo, run, incident);
      const schedule = chaseSchedule(
        m,
        snapshotPolicy(policy),
        policy.level,
        this.deps.directory.timezone,
        this.deps.timeScale,
      );
      const now = this.deps.clock.now();
      const done = new Set<string>();
      const fired: string[] = [];
      let caughtUp = false;
      for (;;) {
        const ns = nextStep(schedule, done, now);
        if (!ns) {
          await queue();
          return { ...this.stop(run, 'done'), fired };
        }
        if (!ns.dueNow) {
          await queue();
          return { next: ns.step.notifyAt, fired };
        }
        // a breach or rung held back by quiet hours comes due together with the incident's other
        // overdue steps: one catch-up notice per audience instead of a message per step (issue 10 item 10)
        if (ns.step.deferred && ns.step.kind !== 'remind' && !caughtUp) {
          caughtUp = true;
          for (const [i, n] of (await this.catchUp(repo, incident, now)).entries()) {
            notices.push(n);
            steps.push([`catchup-${ns.step.step}-${i}`]);
          }
          fired.push('catch-up');
          // the breach it recorded decides the ladder's claim token (see `claimToken`)
          m.breachedAt = (await repo.milestones(run.incidentId)).find((x) => x.key === run.key)?.breachedAt ?? null;
          continue;
        }
        done.add(ns.step.step);
        if (
          !(await repo.claimChaseStep(run.incidentId, run.key, ns.step.step, claimToken(ns.step, m, run.planId), now))
        ) {
          this.deps.log.info({ ...run, step: ns.step.step }, 'chase step already done by an earlier run: skipped');
          continue;
        }
        if (ns.superseded) {
          this.deps.log.info({ ...run, step: ns.step.step }, 'reminder superseded by a later due step: not sent');
          continue;
        }
        const notice = await this.act(repo, incident, m, ns.step, now, policy);
        if (notice) {
          notices.push(notice);
          steps.push([ns.step.step]);
        }
        fired.push(ns.step.step);
      }
    });
  }

  /**
   * Catches up at planning time (issue 10 item 10: a backdated report): for every open milestone of
   * the incident's active plan already past its due time, claims and performs every step whose time
   * has come (the breach is recorded, ladder rungs are ledgered; out-of-date reminders are claimed
   * and not sent), exactly as the chase runs would, but returns ONE catch-up notice per audience
   * (the incident's chat, the leadership group's chat, the 1:1 recipients) listing the overdue
   * steps ("以下时限已超时：…") instead of one message per step. Runs inside the caller's transaction;
   * the chase runs that follow find these steps claimed and go on from there.
   */
  async catchUp(repo: IncidentRepo, incident: Incident, now: Date): Promise<Notice[]> {
    const planId = incident.planId;
    if (!planId) return [];
    const overdue = (await repo.milestones(incident.id))
      .filter((m) => m.state === 'open' && m.planId === incident.planId && m.dueAt <= now)
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    const audiences = new Map<string, CatchUpAudience>();
    for (const m of overdue) {
      const policy = await this.policyOf(repo, { incidentId: incident.id, key: m.key, planId }, incident);
      const schedule = chaseSchedule(
        m,
        snapshotPolicy(policy),
        policy.level,
        this.deps.directory.timezone,
        this.deps.timeScale,
      );
      for (const step of schedule) {
        if (step.notifyAt > now) break;
        if (!(await repo.claimChaseStep(incident.id, m.key, step.step, claimToken(step, m, planId), now))) continue;
        if (step.kind === 'remind') continue; // overtaken by the breach: claimed, not sent
        const n = await this.act(repo, incident, m, step, now, policy);
        if (!n) continue;
        const key = n.chatId ?? 'direct';
        const a: CatchUpAudience = audiences.get(key) ?? {
          chatId: n.chatId,
          mentions: [],
          directTo: [],
          milestones: [],
          owners: [],
          chasers: [],
        };
        audiences.set(key, a);
        const add = (into: string[], ids: string[]) => {
          for (const p of ids) if (!into.includes(p)) into.push(p);
        };
        add(a.mentions, n.mentions);
        add(a.directTo, n.directTo ?? []);
        add(step.kind === 'escalate' ? a.chasers : a.owners, [...n.mentions, ...(n.directTo ?? [])]);
        if (!a.milestones.includes(m)) a.milestones.push(m);
      }
    }
    return [...audiences.values()].map((a) =>
      catchUpNotice(this.deps.directory, incident, a, now, this.deps.timeScale),
    );
  }

  /**
   * Who ladder rung `n` (1-based) chases: the configured target's people, less those already
   * reached (the owners and earlier rungs) and those who do not rank above every owner — nobody is
   * asked to chase themselves or their superior, and nobody is chased twice for one milestone.
   * Null when nobody is left.
   */
  private rung(
    i: Incident,
    m: MilestoneRecord,
    n: number,
    ladder: EscalationSnapshot['ladder'],
  ): LadderDelivery | null {
    const dir = this.deps.directory;
    const unit = dir.unit(i.unitId);
    const lg = dir.leadershipGroupSpec();
    const contacts = {
      ownerIds: m.ownerIds,
      firstResponsible: unit?.firstResponsible ?? '',
      directResponsible: unit?.directResponsible ?? '',
      incidentChatId: dir.incidentChat(i),
      leadershipGroup: { leader: lg.leader, deputies: [...lg.deputies], chat: lg.chat },
      upperAuthority: { contacts: [...dir.upperAuthorityContacts()] },
    };
    const rank = (p: string) => seniority(dir, i.unitId, p);
    const ownerRank = Math.max(...m.ownerIds.map(rank), 1);
    const reached = new Set(m.ownerIds);
    let out: LadderDelivery | null = null;
    for (let k = 1; k <= n && k <= ladder.length; k++) {
      const d = resolveLadderTarget(ladder[k - 1].target, contacts);
      const fresh = (ids: string[]) => ids.filter((p) => !reached.has(p) && rank(p) > ownerRank);
      const next = { ...d, mentions: fresh(d.mentions), directTo: fresh(d.directTo) };
      out = next.mentions.length || next.directTo.length ? next : null;
      for (const p of [...next.mentions, ...next.directTo]) reached.add(p);
    }
    return out;
  }

  /**
   * The escalation policy of the run's plan: its snapshot (taken by `DeadlinePlanner` when the plan
   * was made), never the live config; a plan made before snapshots existed (migration 0004) gets
   * one taken now from the live policy, stored so the rest of its chase stays put.
   */
  private async policyOf(repo: IncidentRepo, run: ChaseRun, incident: Incident): Promise<EscalationSnapshot> {
    const stored = await repo.planSnapshot(run.planId);
    if (stored) return stored;
    const taken = takeEscalationSnapshot(this.deps.directory.escalationPolicy(), effectiveLevel(incident));
    await repo.savePlanSnapshot(run.planId, run.incidentId, taken, this.deps.clock.now());
    this.deps.log.warn(
      { ...run },
      'plan has no escalation snapshot (planned before 0004): took one from the live policy',
    );
    return taken;
  }

  /** Ends a run, logging why (`no-incident`, `stale-plan`, `not-open`, `done`). */
  private stop(run: ChaseRun, why: string): ChaseOutcome {
    this.deps.log.info({ ...run, why }, why === 'done' ? 'chase over: every step done' : 'chase run skipped');
    return { next: null, fired: [], stopped: why };
  }

  /** Performs one step inside the transaction: ledger entries, breach record; returns its notice. */
  private async act(
    repo: IncidentRepo,
    i: Incident,
    m: MilestoneRecord,
    step: ChaseStep,
    now: Date,
    policy: EscalationSnapshot,
  ): Promise<Notice | null> {
    const dir = this.deps.directory;
    const base = { key: m.key, name: m.name, step: step.step, planId: m.planId, dueAt: m.dueAt.toISOString() };
    if (step.kind === 'remind') {
      const n = reminderNotice(dir, i, m, now, this.deps.timeScale);
      await repo.appendLedger({
        incidentId: i.id,
        actor: 'bot',
        kind: 'milestone.reminded',
        at: now,
        payload: { ...base, to: m.ownerIds },
      });
      return n;
    }
    if (step.kind === 'breach') {
      if (!(await repo.markMilestoneBreached(i.id, m.key, step.at))) {
        this.deps.log.info(
          { incidentId: i.id, key: m.key },
          'breach already recorded under an earlier plan: not recorded again',
        );
        return null;
      }
      const grade = gradeBreach({});
      m.breachedAt = step.at;
      await repo.insertBreach({
        incidentId: i.id,
        milestoneKey: m.key,
        personIds: m.ownerIds,
        grade,
        at: step.at,
        gradedBy: null,
        note: null,
      });
      await repo.appendLedger({
        incidentId: i.id,
        actor: 'system',
        kind: 'milestone.breached',
        at: now,
        payload: { ...base, personIds: m.ownerIds, grade },
      });
      return breachNotice(dir, i, m);
    }
    const delivery = this.rung(i, m, step.rung!, policy.ladder);
    if (!delivery) {
      this.deps.log.info(
        { incidentId: i.id, key: m.key, step: step.step },
        'ladder rung reaches nobody new above the owner: skipped',
      );
      return null;
    }
    await repo.appendLedger({
      incidentId: i.id,
      actor: 'bot',
      kind: 'milestone.escalated',
      at: now,
      payload: {
        ...base,
        rung: step.rung,
        target: delivery.target,
        audience: delivery.audience,
        targetName: [...new Set([...delivery.mentions, ...delivery.directTo])].map((p) => dir.nameOf(p)).join('、'),
        chatId: delivery.chatId,
        mentions: delivery.mentions,
        directTo: delivery.directTo,
      },
    });
    return escalationNotice(dir, i, m, step, delivery, now, this.deps.timeScale);
  }
}

/**
 * Merges notices of one run that go to the same chat and @-mention the same people into one
 * message (e.g. the breach and the owner's first ladder rung at the same instant, or a burst after
 * downtime), keeping their order; their 1:1 recipients are united. `steps[i]` names the steps of
 * `notices[i]`; a merged notice carries all of them (its outbox key names them).
 */
export function mergeNotices(notices: Notice[], steps: string[][] = []): Array<{ notice: Notice; steps: string[] }> {
  const out: Array<{ notice: Notice; steps: string[] }> = [];
  const byKey = new Map<string, { notice: Notice; steps: string[] }>();
  notices.forEach((n, i) => {
    const key = JSON.stringify([n.chatId ?? null, [...n.mentions].sort(), n.card?.id ?? null]);
    const prev = byKey.get(key);
    if (prev) {
      prev.notice.text = `${prev.notice.text}\n${n.text}`;
      prev.notice.directTo = [...new Set([...(prev.notice.directTo ?? []), ...(n.directTo ?? [])])];
      prev.steps.push(...(steps[i] ?? [String(i)]));
    } else {
      const entry = { notice: { ...n }, steps: [...(steps[i] ?? [String(i)])] };
      byKey.set(key, entry);
      out.push(entry);
    }
  });
  return out;
}
