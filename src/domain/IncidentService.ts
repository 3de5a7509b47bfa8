/**
 * Incident use cases (issue 3): open, acknowledge, level, category, progress, assign, publish,
 * calm, close, reopen, show, list. Each change, its ledger entries and the notice it produces are
 * written in ONE transaction; hooks (milestones, issue 4) join that transaction.
 */
import {
  AmbiguousError,
  ConflictError,
  ForbiddenError,
  IncidentNotFoundError,
  NotFoundError,
  UsageError,
} from '../errors.js';
import { businessDateCompact } from './business-time.js';
import type { Actor, IncidentEvent } from './incident-events.js';
import { IncidentTransactions } from './IncidentTransactions.js';
import { ackCard, leadershipNotice, levelNotice, openNotice, titleOf } from './messages.js';
import type { IncidentFilter, IncidentRepo, Notice } from './ports.js';
import { effectiveLevel, incidentPeople, responsibleIds } from './responsibility.js';
import type { Acknowledgement, Incident, IncidentStatus, MilestoneRecord, SourceType } from './types.js';
import { inScope, type Viewer, visibilityScope } from './visibility.js';

/**
 * How a command names an incident: a full id (`YQ-20261129-002`), or a short id (`002`, `2`,
 * `-002`: today's number, business date, in the viewer's scope; issue 10 item 1).
 */
export type IncidentRef = { kind: 'id'; id: string } | { kind: 'short'; number: number };

/** Input of `open` (from `/上报`). */
export interface OpenIncidentInput {
  description: string;
  /** Config chat id the report came from. */
  chatId: string;
  sourceUrl?: string;
  sourceType?: SourceType;
  /** Level id (already resolved); default: `severity.default`. */
  level?: string;
  /** Unit id; default: the chat's unit (domain.md "Responsibility is per organisational unit"). */
  unitId?: string;
  category?: string;
  /** Discovery time; default now. */
  foundAt?: Date;
  /** Person ids @-mentioned in the report: mentioned in the open notice too (issue 10 item 9). */
  cc?: string[];
}

/** Everything `/查看` shows. */
export interface IncidentView {
  incident: Incident;
  acknowledgements: Acknowledgement[];
  /** The ledger, oldest first: all of it, or the newest visible entries (see `IncidentService.view`). */
  ledger: Awaited<ReturnType<IncidentRepo['ledger']>>;
  /** How many entries `ledger` is the tail of (its length when it is the whole ledger). */
  ledgerTotal: number;
  milestones: Awaited<ReturnType<IncidentRepo['milestones']>>;
  breaches: Awaited<ReturnType<IncidentRepo['breaches']>>;
  assignments: Awaited<ReturnType<IncidentRepo['assignments']>>;
  /** Delivery state of the incident's queued messages (issue 14). */
  deliveries: Awaited<ReturnType<IncidentRepo['deliveries']>>;
}

/** Result of an acknowledgement attempt. */
export type AckResult =
  | { outcome: 'acknowledged'; incident: Incident; card: Notice['card']; allAcknowledged: boolean }
  | { outcome: 'already'; incident: Incident }
  | { outcome: 'not_responsible'; incident: Incident };

/** Result of `/办结`: closed, or nothing done yet because open milestones need a confirmation. */
export interface CloseResult {
  outcome: 'closed' | 'unconfirmed';
  incident: Incident;
  /** Milestones open at the time (cancelled when closed), soonest first. */
  unmet: MilestoneRecord[];
}

const TERMINAL: IncidentStatus[] = ['closed'];

export class IncidentService extends IncidentTransactions {
  /** People who must acknowledge (see `responsibleIds` in responsibility.ts). */
  private async required(repo: IncidentRepo, i: Incident): Promise<string[]> {
    const assignees = (await repo.assignments(i.id)).map((a) => a.personId);
    return responsibleIds(incidentPeople(this.dir, i, assignees));
  }

  /**
   * Opens an incident with a new id `YQ-YYYYMMDD-NNN` (business date), records the ledger entries,
   * plans milestones through the hooks, and returns the notice that @-mentions the unit's first- and
   * direct-responsible people with a 签收 card (the reply in the reporting chat). The same notice is
   * posted to the owning unit's chat when the report came from elsewhere (issue 10 item 12), and a
   * 先报 notice to the leadership group's chat for levels `notifyLeadershipAtOnce` (item 11).
   * The number is taken after every check that can refuse the report, in its own statement outside
   * the open's transaction (`IncidentRepo.nextIncidentId`; domain.md asks for a short human id,
   * not a gap-free one): an open that fails after taking it (a database failure, a crash) leaves
   * that number unused, and the store logs a warn line naming it.
   * @throws UsageError for an empty description; NotFoundError for an unknown chat or unit.
   */
  async open(actor: Actor, input: OpenIncidentInput): Promise<{ incident: Incident; notice: Notice }> {
    const description = input.description.trim();
    if (!description) throw new UsageError('请写明舆情内容。');
    const chat = this.dir.chat(input.chatId);
    if (!chat) throw new NotFoundError(`未知的群：${input.chatId}`);
    const unitId = input.unitId ?? chat.unit;
    if (!this.dir.unit(unitId)) throw new NotFoundError(`未知的单位：${unitId}`);
    const now = this.deps.clock.now();
    const foundAt = input.foundAt && input.foundAt <= now ? input.foundAt : now;
    return this.run(
      actor,
      async (repo) => {
        const id = await repo.nextIncidentId(businessDateCompact(now, this.dir.timezone));
        const title = titleOf(description);
        const proposedLevel = input.level ?? this.dir.defaultLevel();
        const sourceUrl = input.sourceUrl ?? null;
        const sourceType = input.sourceType ?? 'self';
        const category = input.category ?? null;
        // the incident and its 'incident.opened' entry in one statement (issue 15 item 1)
        const incident = await repo.insertIncident(
          {
            id,
            title,
            description,
            sourceUrl,
            sourceType,
            foundAt,
            occurredAt: null,
            reportedAt: now,
            reporterId: actor.id,
            unitId,
            chatId: chat.id,
            category,
            proposedLevel,
            confirmedLevel: null,
            status: 'reported',
            closedAt: null,
            planId: null,
          },
          {
            incidentId: id,
            actor: actor.id,
            kind: 'incident.opened',
            at: now,
            payload: {
              title,
              description,
              sourceUrl,
              sourceType,
              foundAt: foundAt.toISOString(),
              unitId,
              chatId: chat.id,
              level: proposedLevel,
              category,
            },
          },
        );
        return { incident, event: { type: 'opened' } };
      },
      async (repo, incident, _value, post) => {
        const cc = (input.cc ?? []).filter((p) => this.dir.person(p));
        const notice = openNotice(this.dir, incident, await repo.milestones(incident.id), now, cc);
        await this.queueNotice(repo, incident.id, `open:${incident.id}`, notice);
        // the owning unit's chat hears it wherever it was reported (issue 10 item 12)
        const home = this.dir.homeChat(incident.unitId);
        if (home && home.id !== incident.chatId)
          await post(repo, incident.id, `open:${incident.id}:home`, {
            ...notice,
            chatId: home.id,
            text: `${notice.text}\n（在“${chat.name}”上报）`,
          });
        // 先报、早报: the leadership group's chat at once for the configured levels (issue 10 item 11)
        const lgChat = this.dir.leadershipChatId();
        if (
          lgChat &&
          this.dir.leadershipAtOnce(effectiveLevel(incident)) &&
          lgChat !== incident.chatId &&
          lgChat !== home?.id
        )
          await post(
            repo,
            incident.id,
            `open:${incident.id}:lg`,
            leadershipNotice(this.dir, incident, '上报', actor.name),
          );
        return { incident, notice };
      },
    );
  }

  /**
   * Records `actor`'s acknowledgement (签收) if they are one of the responsible people; the status
   * becomes `acknowledged` once all of them have. Others change nothing.
   * @throws NotFoundError for an unknown id.
   */
  async acknowledge(actor: Actor, incidentId: string): Promise<AckResult> {
    const now = this.deps.clock.now();
    let result: AckResult | undefined;
    await this.run(actor, async (repo) => {
      const incident = await this.lock(repo, incidentId);
      const required = await this.required(repo, incident);
      if (!actor.personId || !required.includes(actor.personId)) {
        result = { outcome: 'not_responsible', incident };
        return { incident };
      }
      const role =
        this.dir
          .rolesOf(actor.personId, incident.unitId)
          .find((r) => r === 'firstResponsible' || r === 'directResponsible') ?? 'assignee';
      const fresh = await repo.acknowledge({ incidentId, personId: actor.personId, role, at: now });
      if (!fresh) {
        result = { outcome: 'already', incident };
        return { incident };
      }
      await repo.appendLedger({
        incidentId,
        actor: actor.id,
        kind: 'incident.acknowledged',
        at: now,
        payload: { role },
      });
      const acked = new Set((await repo.acknowledgements(incidentId)).map((a) => a.personId));
      const all = required.every((p) => acked.has(p));
      let updated = incident;
      if (all && incident.status === 'reported')
        updated = await this.setStatus(repo, actor, incident, 'acknowledged', now);
      const card = ackCard(this.dir, updated, await repo.acknowledgements(incidentId), required);
      result = { outcome: 'acknowledged', incident: updated, card, allAcknowledged: all };
      return { incident: updated, event: { type: 'acknowledged', personId: actor.personId } };
    });
    return result!;
  }

  /**
   * Confirms or changes the level (privileged: config `permissions.setLevel`). A raise or lower
   * re-plans open deadlines through the hooks (domain.md "A raise re-plans the open deadlines").
   * @throws ForbiddenError without the privilege; ConflictError when closed; NotFoundError.
   */
  async setLevel(
    actor: Actor,
    incidentId: string,
    levelId: string,
  ): Promise<{ incident: Incident; from: string; notice: Notice }> {
    const now = this.deps.clock.now();
    return this.run(
      actor,
      async (repo) => {
        const incident = await this.lockOpen(repo, incidentId);
        if (!this.dir.may(actor.personId, incident.unitId, 'setLevel')) {
          throw new ForbiddenError('您没有定级权限。定级由第一责任人、直接责任人、领导小组或办公室确认。');
        }
        const from = effectiveLevel(incident);
        const updated = await repo.updateIncident(incidentId, { confirmedLevel: levelId });
        const entry = await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: 'incident.level_changed',
          at: now,
          payload: { from, to: levelId, confirmed: true },
        });
        return {
          incident: updated,
          event: { type: 'level_changed', from, to: levelId },
          value: { from, seq: entry.seq },
        };
      },
      async (repo, incident, value, post) => {
        const { from, seq } = value as { from: string; seq: number };
        const notice = levelNotice(this.dir, incident, from, levelId, actor.name);
        notice.mentions = notice.mentions.filter((p) => p !== actor.personId); // nobody is @-mentioned about their own act
        await this.queueNotice(repo, incident.id, `level:${incident.id}:${seq}`, notice);
        const lgChat = this.dir.leadershipChatId();
        const raised = this.dir.rank(levelId) < this.dir.rank(from);
        if (raised && lgChat && lgChat !== incident.chatId && this.dir.leadershipAtOnce(levelId))
          await post(
            repo,
            incident.id,
            `level:${incident.id}:${seq}:lg`,
            leadershipNotice(this.dir, incident, '升级', actor.name),
          );
        return { incident, from, notice };
      },
    );
  }

  /** Sets the category (`/分类`). @throws ConflictError when closed; NotFoundError. */
  async setCategory(actor: Actor, incidentId: string, categoryId: string): Promise<Incident> {
    const now = this.deps.clock.now();
    return this.run(actor, async (repo) => {
      const incident = await this.lockOpen(repo, incidentId);
      await this.require(repo, actor, incident, 'handle', '设置类别');
      const updated = await repo.updateIncident(incidentId, { category: categoryId });
      await repo.appendLedger({
        incidentId,
        actor: actor.id,
        kind: 'incident.category_changed',
        at: now,
        payload: { from: incident.category, to: categoryId },
      });
      return { incident: updated, event: { type: 'category_changed', from: incident.category, to: categoryId } };
    });
  }

  /**
   * Records progress (`/进展`); a reported/acknowledged incident moves to `handling`.
   * @throws ForbiddenError without `permissions.update` (issue 10 item 13); ConflictError when closed.
   */
  async addUpdate(actor: Actor, incidentId: string, text: string): Promise<Incident> {
    if (!text.trim()) throw new UsageError('请写明进展内容。');
    const now = this.deps.clock.now();
    return this.run(actor, async (repo) => {
      let incident = await this.lockOpen(repo, incidentId);
      await this.require(repo, actor, incident, 'update', '登记进展');
      await repo.appendLedger({
        incidentId,
        actor: actor.id,
        kind: 'incident.note',
        at: now,
        payload: { text: text.trim() },
      });
      if (incident.status === 'reported' || incident.status === 'acknowledged')
        incident = await this.setStatus(repo, actor, incident, 'handling', now);
      return { incident, event: { type: 'updated' } };
    });
  }

  /**
   * Assigns a person (`/指派`); they must then acknowledge too, unless they already have (issue 10
   * item 14). Someone already assigned (in any role) is left as is: `fresh` false, `role` theirs.
   * @throws ForbiddenError without `permissions.handle`; ConflictError when closed.
   */
  async assign(
    actor: Actor,
    incidentId: string,
    personId: string,
    role: string,
  ): Promise<{ incident: Incident; fresh: boolean; role: string; acknowledged: boolean }> {
    const now = this.deps.clock.now();
    return this.run(
      actor,
      async (repo) => {
        const incident = await this.lockOpen(repo, incidentId);
        await this.require(repo, actor, incident, 'handle', '指派');
        const acknowledged = (await repo.acknowledgements(incidentId)).some((a) => a.personId === personId);
        const existing = (await repo.assignments(incidentId)).find((a) => a.personId === personId);
        if (existing) return { incident, value: { fresh: false, role: existing.role, acknowledged } };
        const fresh = await repo.assign({ incidentId, personId, role, assignedBy: actor.id, at: now });
        if (fresh)
          await repo.appendLedger({
            incidentId,
            actor: actor.id,
            kind: 'incident.assigned',
            at: now,
            payload: { personId, role },
          });
        return {
          incident,
          event: fresh ? { type: 'assigned', personId, role } : undefined,
          value: { fresh, role, acknowledged },
        };
      },
      async (_repo, incident, v) => ({ incident, ...(v as { fresh: boolean; role: string; acknowledged: boolean }) }),
    );
  }

  /**
   * Marks the response published (`/发布 <编号> <链接>`): status `responded`. Gated by
   * `deps.publishGate` (issue 8: nothing is published unless approved, 000 L1); the ledger entry
   * `incident.published` records the time, the link and what the gate returns (the SHA-256 of the
   * exact approved text). @throws ConflictError from the gate; ForbiddenError without `permissions.handle`.
   */
  async publish(actor: Actor, incidentId: string, note: string, link: string | null = null): Promise<Incident> {
    return this.transition(actor, incidentId, 'responded', { type: 'published' }, note, async (repo, incident, at) => {
      const record = this.deps.publishGate ? await this.deps.publishGate(repo, incident) : {};
      await repo.appendLedger({
        incidentId,
        actor: actor.id,
        kind: 'incident.published',
        at,
        payload: { ...record, link, note: note.trim() || null },
      });
    });
  }

  /** Marks the item calming down (`/平息`): status `calming`. */
  async calm(actor: Actor, incidentId: string, note: string): Promise<Incident> {
    return this.transition(actor, incidentId, 'calming', { type: 'calming' }, note);
  }

  /**
   * Closes (`/办结`) with a summary (issue 10 item 15). A category is required when config
   * `closing.requireCategory` (default true). Milestones still open (not met by closing itself,
   * `metBy: [close]`) are not dropped silently: without `confirmed` nothing changes and the result
   * lists them (`unconfirmed`); with it, they are cancelled and named in the `incident.closed` entry.
   * @throws UsageError without summary or category; ConflictError if closed; ForbiddenError without
   *   `permissions.close`.
   */
  async close(
    actor: Actor,
    incidentId: string,
    summary: string,
    opts: { confirmed?: boolean } = {},
  ): Promise<CloseResult> {
    if (!summary.trim()) throw new UsageError('办结时请写明处置总结。');
    const now = this.deps.clock.now();
    return this.run(
      actor,
      async (repo) => {
        const incident = await this.lockOpen(repo, incidentId);
        await this.require(repo, actor, incident, 'close', '办结');
        if (this.dir.closingRequiresCategory() && !incident.category)
          throw new UsageError(
            `${incidentId} 尚未分类，请先分类再办结：/分类 ${incidentId} <类别>（${this.dir
              .categories()
              .map((c) => c.name)
              .join('、')}）。`,
          );
        const metByClose = (key: string) => this.dir.milestoneSpec(key.split(':')[0])?.metBy.includes('close') === true;
        const unmet = (await repo.milestones(incidentId))
          .filter((m) => m.state === 'open' && !metByClose(m.key))
          .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
        if (unmet.length && !opts.confirmed) return { incident, value: { outcome: 'unconfirmed', unmet } };
        const updated = await repo.updateIncident(incidentId, { status: 'closed', closedAt: now });
        await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: 'incident.closed',
          at: now,
          payload: { summary: summary.trim(), from: incident.status, unmet: unmet.map((m) => m.name) },
        });
        return { incident: updated, event: { type: 'closed' }, value: { outcome: 'closed', unmet } };
      },
      async (_repo, incident, value) => ({ ...(value as Omit<CloseResult, 'incident'>), incident }) as CloseResult,
    );
  }

  /** Reopens a closed incident (`/重开`): status `handling`. @throws ConflictError if not closed. */
  async reopen(actor: Actor, incidentId: string): Promise<Incident> {
    const now = this.deps.clock.now();
    return this.run(actor, async (repo) => {
      const incident = await this.lock(repo, incidentId);
      if (incident.status !== 'closed') throw new ConflictError(`${incidentId} 尚未办结，无需重开。`);
      await this.require(repo, actor, incident, 'close', '重开');
      const updated = await repo.updateIncident(incidentId, { status: 'handling', closedAt: null });
      await repo.appendLedger({ incidentId, actor: actor.id, kind: 'incident.reopened', at: now, payload: {} });
      return { incident: updated, event: { type: 'reopened' } };
    });
  }

  /**
   * Everything `/查看` shows of one incident, if `viewer` may see it (visibility.ts; existence does
   * not leak). `incident` is an id, or the incident
   * as `resolve` just returned it for this viewer (not read again). With `opts.ledgerTail`, `ledger`
   * holds only the newest `ledgerTail.limit` entries whose kind is not in `ledgerTail.hiddenKinds`
   * (oldest first) and `ledgerTotal` counts all of those; without it, the whole ledger (issue 15
   * item 2: `/查看` renders only the newest lines of a long ledger).
   * @throws IncidentNotFoundError when it does not exist or is out of the viewer's scope.
   */
  async view(
    viewer: Viewer,
    incident: string | Incident,
    opts: { ledgerTail?: { limit: number; hiddenKinds: readonly string[] } } = {},
  ): Promise<IncidentView> {
    const repo = this.deps.uow.repo;
    const incidentId = typeof incident === 'string' ? incident : incident.id;
    const found = typeof incident === 'string' ? await repo.getIncident(incident) : incident;
    if (!found || !(await this.sees(viewer, found))) throw new IncidentNotFoundError(incidentId);
    const tail = opts.ledgerTail;
    const [acknowledgements, ledger, milestones, breaches, assignments, deliveries] = await Promise.all([
      repo.acknowledgements(incidentId),
      tail
        ? repo.ledgerTail(incidentId, tail.limit, tail.hiddenKinds)
        : repo.ledger(incidentId).then((entries) => ({ entries, total: entries.length })),
      repo.milestones(incidentId),
      repo.breaches(incidentId),
      repo.assignments(incidentId),
      repo.deliveries(incidentId),
    ]);
    return {
      incident: found,
      acknowledgements,
      ledger: ledger.entries,
      ledgerTotal: ledger.total,
      milestones,
      breaches,
      assignments,
      deliveries,
    };
  }

  /** Lists the incidents `viewer` may see that match `filter` (newest first; visibility.ts decides). */
  async list(viewer: Viewer, filter: IncidentFilter): Promise<Incident[]> {
    return this.deps.uow.repo.listIncidents({ ...filter, visibleIn: visibilityScope(this.dir, viewer) });
  }

  /**
   * Picks the incident a command means, among those `viewer` may see:
   * - a full id: that incident;
   * - a short id (`002`): today's (business date) incident with that number; when today's is not
   *   in the viewer's scope, the same number on earlier days is asked back with the full ids;
   * - none: the only incident in scope that fits `fits` (default: not closed).
   * @throws IncidentNotFoundError / NotFoundError when none fits; AmbiguousError listing the full
   *   ids when several do or a short id is not today's.
   */
  async resolve(
    viewer: Viewer,
    ref: IncidentRef | undefined,
    fits: (i: Incident) => boolean | Promise<boolean> = (i) => !TERMINAL.includes(i.status),
  ): Promise<Incident> {
    const repo = this.deps.uow.repo;
    if (ref?.kind === 'id') {
      const i = await repo.getIncident(ref.id);
      if (!i || !(await this.sees(viewer, i))) throw new IncidentNotFoundError(ref.id);
      return i;
    }
    if (ref?.kind === 'short') {
      const nnn = String(ref.number).padStart(3, '0');
      const today = `YQ-${businessDateCompact(this.deps.clock.now(), this.dir.timezone)}-${nnn}`;
      const i = await repo.getIncident(today);
      if (i && (await this.sees(viewer, i))) return i;
      const older = (await this.list(viewer, { limit: 500 })).filter((x) => x.id.endsWith(`-${nnn}`)).slice(0, 5);
      if (older.length === 0)
        throw new NotFoundError(`在这里能查看的事件中，今天没有编号为 ${nnn} 的。请写完整编号，或用 /列表 查看。`);
      throw new AmbiguousError(
        `在这里能查看的事件中，今天没有编号为 ${nnn} 的。您是指：${older.map((c) => c.id).join('、')}？请写完整编号。`,
        older.map((c) => c.id),
      );
    }
    const candidates: Incident[] = [];
    for (const i of await this.list(viewer, { limit: 50 })) if (await fits(i)) candidates.push(i);
    if (candidates.length === 1) return candidates[0];
    const here = viewer.kind === 'chat' ? '本群' : '';
    if (candidates.length === 0) throw new NotFoundError(`${here}没有符合条件的事件，请写明事件编号。`);
    throw new AmbiguousError(
      `${here}有 ${candidates.length} 个符合条件的事件，请写明编号：${candidates
        .slice(0, 5)
        .map((c) => c.id)
        .join('、')}`,
      candidates.map((c) => c.id),
    );
  }

  /**
   * Whether `viewer` may see `incident` (the policy in visibility.ts; assignees are read only for
   * a person's scope). Callers answer "not found" otherwise, so existence does not leak.
   */
  async sees(viewer: Viewer, incident: Incident): Promise<boolean> {
    const scope = visibilityScope(this.dir, viewer);
    if (inScope(scope, incident)) return true;
    if (scope.all || !scope.personId) return false;
    const assigneeIds = (await this.deps.uow.repo.assignments(incident.id)).map((a) => a.personId);
    return inScope(scope, { ...incident, assigneeIds });
  }

  /** Whether `personId` must still acknowledge `incident` (responsible, not yet acknowledged, open). */
  async awaitsAckFrom(incident: Incident, personId: string | null): Promise<boolean> {
    if (!personId || incident.status === 'closed') return false;
    const repo = this.deps.uow.repo;
    if (!(await this.required(repo, incident)).includes(personId)) return false;
    return !(await repo.acknowledgements(incident.id)).some((a) => a.personId === personId);
  }

  // ---- internals ----

  private async transition(
    actor: Actor,
    incidentId: string,
    status: IncidentStatus,
    event: IncidentEvent,
    note: string,
    before?: (repo: IncidentRepo, incident: Incident, at: Date) => Promise<void>,
  ): Promise<Incident> {
    const now = this.deps.clock.now();
    return this.run(actor, async (repo) => {
      const incident = await this.lockOpen(repo, incidentId);
      await this.require(repo, actor, incident, 'handle', status === 'responded' ? '登记发布' : '登记平息');
      if (before) await before(repo, incident, now);
      if (note.trim())
        await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: 'incident.note',
          at: now,
          payload: { text: note.trim() },
        });
      const updated = incident.status === status ? incident : await this.setStatus(repo, actor, incident, status, now);
      return { incident: updated, event };
    });
  }
}
