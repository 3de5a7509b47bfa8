/**
 * Milestone use cases by hand (issue 4): `/反馈` starts the feedback clock, `/完成` marks a
 * milestone met, `/定性` grades a breach.
 * Same transaction discipline as `IncidentService`.
 */
import { AmbiguousError, ConflictError, ForbiddenError, NotFoundError, UsageError } from '../errors.js';
import type { Actor } from './incident-events.js';
import { IncidentTransactions } from './IncidentTransactions.js';
import type { Incident } from './types.js';
import { meetingRule } from './deadlines/chase-messages.js';

export class MilestoneService extends IncidentTransactions {
  /**
   * Records feedback received about the incident (`/反馈`: a complaint, a question from the public
   * or the upper authority). It starts the feedback clock: a written answer is due within the
   * configured working days (000 L8, default 5). @throws UsageError without text; ForbiddenError
   * without `permissions.feedback` (issue 10 item 13).
   */
  async recordFeedback(actor: Actor, incidentId: string, text: string): Promise<Incident> {
    if (!text.trim()) throw new UsageError('请写明反馈内容。');
    const now = this.deps.clock.now();
    return this.run(actor, async (repo) => {
      const incident = await this.lock(repo, incidentId);
      await this.require(repo, actor, incident, 'feedback', '登记反馈');
      await repo.appendLedger({
        incidentId,
        actor: actor.id,
        kind: 'incident.feedback',
        at: now,
        payload: { text: text.trim() },
      });
      return { incident, event: { type: 'feedback' } };
    });
  }

  /**
   * Whether milestone `key` (named `name`, e.g. 签收（刘洋）) answers to what a user typed, `q`
   * (lower case): its key, its name with or without the person, its config name or any alias
   * (config `milestones[].aliases`). The one match for /完成 and /定性.
   */
  private answersTo(key: string, name: string, q: string): boolean {
    const spec = this.dir.milestoneSpec(key.split(':')[0]);
    return [key, key.split(':')[0], name, name.replace(/（.*）$/, ''), spec?.name, ...(spec?.aliases ?? [])].some(
      (n) => n !== undefined && n.toLowerCase() === q,
    );
  }

  /**
   * Marks a milestone met by hand (`/完成`, issue 4): for steps done outside the bot (a phone report
   * upward, a meeting) or whose own commands come later. `query` is a milestone key, name or alias
   * (config `milestones[]`); for per-person milestones the actor's own is preferred. Allowed for
   * the people who owe it, the unit's office, and the first- and direct-responsible people.
   * A milestone met by acknowledging (config `metBy: [ack]`) is not marked by hand: each responsible
   * person acknowledges on their own (domain.md "each acknowledges (签收) … record who and when");
   * neither is an approval milestone (clocks `statementSubmitted` / `planSubmitted`): a decision meets it;
   * nor one met by a command (`metBy` publish, plan, level: `meetingRule`).
   * The planner hook (same transaction) records `milestone.met`.
   * @throws NotFoundError when no open milestone matches; AmbiguousError when several do;
   *         UsageError for an acknowledgement milestone; ForbiddenError for anyone else.
   */
  async milestoneDone(
    actor: Actor,
    incidentId: string,
    query: string,
    note: string,
  ): Promise<{ incident: Incident; name: string }> {
    const now = this.deps.clock.now();
    return this.run(
      actor,
      async (repo) => {
        const incident = await this.lock(repo, incidentId);
        const q = query.trim().toLowerCase();
        const specOf = (key: string) => this.dir.milestoneSpec(key.split(':')[0]);
        const matches = (await repo.milestones(incidentId))
          .filter((m) => m.state === 'open')
          .filter((m) => this.answersTo(m.key, m.name, q));
        const own = matches.filter((m) => actor.personId && m.ownerIds.includes(actor.personId));
        const pick = own.length === 1 ? own : matches;
        if (pick.length === 0) {
          const met = (await repo.milestones(incidentId)).find(
            (m) => m.state === 'met' && this.answersTo(m.key, m.name, q),
          );
          if (met)
            throw new ConflictError(
              `${incidentId}「${met.name}」已于 ${this.dir.formatShort(met.metAt ?? now)} 完成，无需再标记。`,
            );
          throw new NotFoundError(
            `${incidentId} 没有未完成的时限事项“${query}”。用 /查看 ${incidentId} 查看全部时限。`,
          );
        }
        if (pick.length > 1)
          throw new AmbiguousError(
            `“${query}”对应多项：${pick.map((m) => m.name).join('、')}，请写明具体事项。`,
            pick.map((m) => m.key),
          );
        const m = pick[0];
        if (specOf(m.key)?.metBy.includes('ack')) {
          throw new UsageError(
            `“${m.name}”须由 ${m.ownerIds.map((p) => this.dir.nameOf(p)).join('、')} 本人签收：发送 /签收 ${incidentId} 或点击卡片上的“签收”，不能用 /完成 代为标记。`,
          );
        }
        const clock = specOf(m.key)?.clock;
        if (clock === 'statementSubmitted' || clock === 'planSubmitted') {
          // an approval is met by a decision on the version, never by hand (000 L1; issue 8)
          throw new UsageError(
            `“${m.name}”须由审批人（${m.ownerIds.map((p) => this.dir.nameOf(p)).join('、')} 任一人）点卡片上的“通过”或“驳回”，或发送 /通过、/驳回 ${incidentId}，不能用 /完成 代为标记。`,
          );
        }
        const rule = meetingRule(this.dir, incidentId, m);
        if (!rule.byHand) throw new UsageError(`“${m.name}”不能用 /完成 代为标记：请${rule.how}。`);
        const unit = this.dir.unit(incident.unitId);
        const may =
          !!actor.personId &&
          (m.ownerIds.includes(actor.personId) ||
            !!unit?.office.includes(actor.personId) ||
            unit?.firstResponsible === actor.personId ||
            unit?.directResponsible === actor.personId);
        if (!may)
          throw new ForbiddenError(
            `“${m.name}”应由 ${m.ownerIds.map((p) => this.dir.nameOf(p)).join('、')} 或办公室标记完成。`,
          );
        if (note.trim())
          await repo.appendLedger({
            incidentId,
            actor: actor.id,
            kind: 'incident.note',
            at: now,
            payload: { text: note.trim(), milestone: m.key },
          });
        return { incident, event: { type: 'milestone_done', key: m.key }, value: m.name };
      },
      async (_repo, incident, name) => ({ incident, name: name as string }),
    );
  }

  /**
   * Grades a recorded breach (000 L2: missing a deadline without serious result is minor; with a
   * serious result, or any concealment or deceit, major). Privileged: config
   * `permissions.gradeBreach`. `query` is a milestone key or name; the latest breach of it is graded.
   * The ledger entry names the milestone, the people in breach, the grades and the reason.
   * @throws ForbiddenError without the privilege or for one's own breach (issue 10 item 16);
   *   NotFoundError when no breach matches.
   */
  async gradeBreach(
    actor: Actor,
    incidentId: string,
    query: string,
    grade: 'minor' | 'major',
    note: string,
  ): Promise<{ incident: Incident; milestone: string }> {
    const now = this.deps.clock.now();
    return this.run(
      actor,
      async (repo) => {
        const incident = await this.lock(repo, incidentId);
        if (!this.dir.may(actor.personId, incident.unitId, 'gradeBreach')) {
          throw new ForbiddenError('您没有违约定性权限。违约定性由第一责任人、领导小组或办公室确定。');
        }
        const q = query.trim().toLowerCase();
        const names = new Map((await repo.milestones(incidentId)).map((m) => [m.key, m.name]));
        const hit = (await repo.breaches(incidentId))
          .filter((b) => this.answersTo(b.milestoneKey, names.get(b.milestoneKey) ?? b.milestoneKey, q))
          .pop();
        if (!hit)
          throw new NotFoundError(`${incidentId} 没有“${query}”的违约记录。用 /查看 ${incidentId} 查看违约记录。`);
        const name = names.get(hit.milestoneKey) ?? hit.milestoneKey;
        // issue 10 item 16: nobody grades their own breach (000 L2 grading is a review by others)
        if (actor.personId && hit.personIds.includes(actor.personId))
          throw new ForbiddenError(`「${name}」的违约责任人包括您本人，不能由您定性。请由其他有定性权限的人定性。`);
        await repo.updateBreachGrade(hit.id, grade, actor.id, note.trim() || null);
        await repo.appendLedger({
          incidentId,
          actor: actor.id,
          kind: 'breach.graded',
          at: now,
          payload: {
            breachId: hit.id,
            key: hit.milestoneKey,
            name,
            personIds: hit.personIds,
            from: hit.grade,
            grade,
            note: note.trim() || null,
          },
        });
        return { incident, value: name };
      },
      async (_repo, incident, milestone) => ({ incident, milestone: milestone as string }),
    );
  }
}
