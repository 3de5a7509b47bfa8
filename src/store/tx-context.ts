/**
 * The ambient transaction of the store (AsyncLocalStorage): a `PgUnitOfWork.transaction` opened
 * while one is running joins it as a savepoint, and a command scope (`PgOutbox.withinCommand`)
 * is one such outer transaction that also collects the command's reply rows.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Transaction } from 'kysely';
import type { OutboxRow, ReplyOrigin } from '../domain/outbox.js';
import type { Incident, MilestoneRecord } from '../domain/types.js';
import type { Database } from './schema.js';

/** A command scope: rows queued for the origin's own conversation are leased to the command. */
export interface CommandScope {
  origin: ReplyOrigin;
  /** `chat:<id>` / `user:<id>` of the origin conversation. */
  destination: string;
  leaseMs: number;
  replies: OutboxRow[];
  says: number;
}

/** One running top-level transaction. */
export interface TxContext {
  trx: Transaction<Database>;
  after: Array<() => Promise<void>>;
  command?: CommandScope;
  savepoints: number;
  /** Set at commit/rollback: late async work started inside must not reuse the transaction. */
  done: boolean;
  /** Whether a NOTIFY for the outbox was already issued in this transaction. */
  notified: boolean;
  /**
   * Incident numbers taken while this transaction ran (`IncidentRepo.nextIncidentId` takes them in
   * their own autocommit statement): logged at warn level as never used when the transaction, or
   * the savepoint they were taken in, rolls back.
   */
  numbers: string[];
  /**
   * Incident rows this transaction wrote or locked (`FOR UPDATE`), as last written: nobody else can
   * change them before it ends, so `PgIncidentRepo.getIncident` answers from here without a round
   * trip. Cleared when a savepoint rolls back (its writes and locks are undone).
   */
  incidents: Map<string, Incident>;
  /**
   * Incidents this transaction inserted: nobody else sees their rows (milestones included) before
   * it commits.
   */
  created: Set<string>;
  /**
   * The milestones (ordered by due time, then key) of an incident this transaction inserted, as
   * its last `PgIncidentRepo.savePlan` left them (that statement returns them), so
   * `PgIncidentRepo.milestones` answers without a round trip (the open's notice). Dropped by any
   * other milestone write of the incident; cleared when a savepoint rolls back.
   */
  milestones: Map<string, MilestoneRecord[]>;
}

export const txStorage = new AsyncLocalStorage<TxContext>();

/** The live ambient transaction, if any. */
export function currentTx(): TxContext | undefined {
  const c = txStorage.getStore();
  return c && !c.done ? c : undefined;
}

/** `chat:<chatId>` or `user:<userId>`: the per-destination queue key. */
export function destinationOf(to: { chatId?: string; userId?: string }): string {
  return to.chatId ? `chat:${to.chatId}` : `user:${to.userId ?? ''}`;
}

/** The LISTEN/NOTIFY channel that wakes delivery workers (NOTIFY is delivered at commit). */
export const OUTBOX_CHANNEL = 'yuqing_outbox';
