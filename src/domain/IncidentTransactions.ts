/**
 * The transaction discipline shared by the incident services: every change, its ledger entries,
 * the hooks that follow it (milestones, issue 4) and the notice it queues in the outbox (issue 14)
 * run in ONE transaction under the incident's row lock; hooks' after-commit steps run after commit
 * (`IncidentRepo.afterCommit`: after the outer commit when a command scope holds the transaction).
 */
import { ConflictError, ForbiddenError, IncidentNotFoundError } from '../errors.js';
import type { Directory, PermissionName } from './Directory.js';
import type { Actor, IncidentEvent, IncidentHook } from './incident-events.js';
import type { Clock, IncidentRepo, Notice, UnitOfWork } from './ports.js';
import type { Incident, IncidentStatus } from './types.js';

/** What the incident services are built with. */
export interface IncidentServiceDeps {
  uow: UnitOfWork;
  directory: Directory;
  clock: Clock;
  hooks?: IncidentHook[];
  /** Receives failures of after-commit steps (they never fail the command). */
  onAfterCommitError?: (e: unknown) => void;
  /**
   * The publish gate (issue 8, `ApprovalService.publishRecord`): inside `/发布`'s transaction it
   * throws a ConflictError saying what is missing, or returns what the ledger records of the
   * publication. Absent: publishing is not gated.
   */
  publishGate?: (repo: IncidentRepo, incident: Incident) => Promise<Record<string, unknown>>;
}

/** The configured permissions that guard incident actions through `require` (config `permissions.*`). */
type ActionPermission = Exclude<PermissionName, 'setLevel' | 'gradeBreach' | 'signOff' | 'assess' | 'resend'>;

const PERMISSION_TEXT: Record<ActionPermission, string> = {
  close: '办结、重开',
  handle: '发布、平息、指派、分类',
  update: '登记进展',
  feedback: '登记反馈',
};

/**
 * Posts a notice to its own audience (not the reply in the command's chat): queued in the outbox
 * under the idempotency key `key` (derived from the cause, e.g. `lg-open:<incident>`) and ledgered
 * `message.queued`, both in the transaction (issue 14); the delivery worker sends it.
 */
export type PostNotice = (repo: IncidentRepo, incidentId: string, key: string, n: Notice) => Promise<void>;

/** What a change step returns: the incident after it, the event for the hooks, a value for `finish`. */
export interface Change {
  incident: Incident;
  event?: IncidentEvent;
  value?: unknown;
}

export abstract class IncidentTransactions {
  constructor(protected readonly deps: IncidentServiceDeps) {}

  protected get dir(): Directory {
    return this.deps.directory;
  }

  protected async setStatus(
    repo: IncidentRepo,
    actor: Actor,
    incident: Incident,
    status: IncidentStatus,
    at: Date,
  ): Promise<Incident> {
    const updated = await repo.updateIncident(incident.id, { status });
    await repo.appendLedger({
      incidentId: incident.id,
      actor: actor.id,
      kind: 'incident.status_changed',
      at,
      payload: { from: incident.status, to: status },
    });
    return updated;
  }

  /**
   * @throws ForbiddenError unless `actor` holds `permissions[which]` for the incident's unit (config
   * `permissions.*`; the pseudo-role `assignee` counts the incident's assignees, issue 10 item 13).
   */
  protected async require(
    repo: IncidentRepo,
    actor: Actor,
    incident: Incident,
    which: ActionPermission,
    what: string,
  ): Promise<void> {
    if (!actor.personId)
      throw new ForbiddenError(`您不在本单位通讯录中，不能${what}。请联系管理员在配置的 people 中登记您的账号。`);
    if (this.dir.may(actor.personId, incident.unitId, which)) return;
    if (
      this.dir.permitsAssignees(which) &&
      (await repo.assignments(incident.id)).some((a) => a.personId === actor.personId)
    )
      return;
    throw new ForbiddenError(`您没有${what}权限（${PERMISSION_TEXT[which]}由责任人、办公室或领导小组负责）。`);
  }

  protected async lock(repo: IncidentRepo, id: string): Promise<Incident> {
    const i = await repo.getIncident(id, { forUpdate: true });
    if (!i) throw new IncidentNotFoundError(id);
    return i;
  }

  protected async lockOpen(repo: IncidentRepo, id: string): Promise<Incident> {
    const i = await this.lock(repo, id);
    if (i.status === 'closed') throw new ConflictError(`${id} 已办结。如需继续处置，请先 /重开 ${id}。`);
    return i;
  }

  /**
   * Queues `n` in the outbox under the idempotency key `key` (the seam: `IncidentRepo.enqueueNotice`)
   * and records `message.queued` in the ledger, both in the caller's transaction. Whether it was
   * delivered is the outbox's state (shown by `/查看`), not claimed here.
   */
  protected async queueNotice(repo: IncidentRepo, incidentId: string, key: string, n: Notice): Promise<void> {
    // the entry goes in the outbox's own statement, written only when a row was new (issue 15 item 1)
    await repo.enqueueNotice(key, incidentId, n, {
      incidentId,
      actor: 'bot',
      kind: 'message.queued',
      at: this.deps.clock.now(),
      payload: {
        key,
        chatId: n.chatId ?? null,
        directTo: n.directTo ?? [],
        text: n.text,
        mentions: n.mentions,
        cardId: n.card?.id ?? null,
      },
    });
  }

  /**
   * Runs `change` in a transaction, then the hooks for its event (same transaction), then
   * `finish` (same transaction: e.g. composing and queueing the notice; `post` queues more under
   * their own keys), then the notices the hooks posted (queued after `finish`'s, so a chat reads the
   * change before its catch-ups); after commit, the hooks' after-commit callbacks (their failures go
   * to `onAfterCommitError`). Nothing is sent here: the outbox delivers.
   * Without `finish` it returns the incident.
   */
  protected async run<T = Incident>(
    actor: Actor,
    change: (repo: IncidentRepo) => Promise<Change>,
    finish?: (repo: IncidentRepo, incident: Incident, value: unknown, post: PostNotice) => Promise<T>,
  ): Promise<T> {
    return this.deps.uow.transaction(async (repo) => {
      // what the hooks post (catch-ups) is queued after what `finish` queues (the change's own notices)
      const fromHooks: Array<{ incidentId: string; key: string; n: Notice }> = [];
      const r = await change(repo);
      if (r.event) {
        for (const h of this.deps.hooks ?? []) {
          const cb = await h.onEvent({
            repo,
            incident: r.incident,
            event: r.event,
            actor,
            at: this.deps.clock.now(),
            post: async (key, n) => {
              fromHooks.push({ incidentId: r.incident.id, key, n });
            },
          });
          if (cb)
            repo.afterCommit(async () => {
              try {
                await cb();
              } catch (e) {
                this.deps.onAfterCommitError?.(e);
              }
            });
        }
      }
      const incident = (await repo.getIncident(r.incident.id)) ?? r.incident;
      const post: PostNotice = (txRepo, incidentId, key, n) => this.queueNotice(txRepo, incidentId, key, n);
      const out = finish ? await finish(repo, incident, r.value, post) : (incident as unknown as T);
      for (const h of fromHooks) await this.queueNotice(repo, h.incidentId, h.key, h.n);
      return out;
    });
  }
}
