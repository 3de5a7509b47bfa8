/**
 * Admin side of delivery (issue 14 item 2): putting dead letters (messages that failed for good)
 * back in the queue with `/重发 <消息编号|全部>`. Privileged: config `permissions.resend`, held for
 * the message's incident unit — or, for `全部` and messages of no incident, in a top-level unit.
 */
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Directory } from './Directory.js';
import type { OutboxPort } from './outbox.js';
import type { Actor, IncidentRepo } from './ports.js';

export class DeliveryService {
  constructor(
    private readonly deps: {
      outbox: Pick<OutboxPort, 'deadLetter' | 'retryDead' | 'stats'>;
      repo: Pick<IncidentRepo, 'getIncident'>;
      directory: Directory;
    },
  ) {}

  /**
   * Requeues one dead letter or all of them; returns how many were requeued (0 for `all` when
   * there were none). Each gets a `message.requeued` ledger entry.
   * @throws ForbiddenError without `permissions.resend`; NotFoundError for an id that is no dead letter.
   */
  async resend(actor: Actor, which: number | 'all'): Promise<number> {
    const dir = this.deps.directory;
    const roots = dir
      .allUnits()
      .filter((u) => !u.parent)
      .map((u) => u.id);
    const atTop = () => roots.some((u) => dir.may(actor.personId, u, 'resend'));
    const refuse = () =>
      new ForbiddenError('您没有重发消息的权限（重发由办公室或领导小组负责，见配置 permissions.resend）。');
    if (which === 'all') {
      if (!atTop()) throw refuse();
      return this.deps.outbox.retryDead('all');
    }
    const dead = await this.deps.outbox.deadLetter(which);
    if (!dead)
      throw new NotFoundError(`没有编号为 ${which} 的发送失败消息。可在 /查看 <事件编号> 中看到失败消息的编号。`);
    const incident = dead.incidentId ? await this.deps.repo.getIncident(dead.incidentId) : undefined;
    if (!(incident ? dir.may(actor.personId, incident.unitId, 'resend') : atTop())) throw refuse();
    return this.deps.outbox.retryDead(which);
  }

  /** Dead letters in all (for the `/重发` answer). */
  async deadCount(): Promise<number> {
    return (await this.deps.outbox.stats()).platforms.reduce((n, p) => n + p.dead, 0);
  }
}
