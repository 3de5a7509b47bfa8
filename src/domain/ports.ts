/**
 * Ports: the interfaces the domain needs from the outside. `store/` implements the repository,
 * `bot/` implements the notifier, `jobs/` implements the scheduler. Only types here.
 */
import type { ApprovalRepo } from './approvals/ports.js';
import type {
  Acknowledgement,
  Assignment,
  Breach,
  Incident,
  IncidentStatus,
  LedgerEntry,
  MilestoneRecord,
  NewIncident,
  NewLedgerEntry,
} from './types.js';
import type { EscalationSnapshot } from './milestones/escalation-snapshot.js';
import type { VisibilityScope } from './visibility.js';

/** Who did it: `id` is a config person id, or `<platform>:<userId>` for someone not in the config. */
export interface Actor {
  id: string;
  personId: string | null;
  name: string;
}

/** Filter for listing incidents. All fields optional; results are newest first. */
export interface IncidentFilter {
  chatId?: string;
  unitId?: string;
  statuses?: IncidentStatus[];
  /** Only incidents with at least one open milestone whose due time is before this instant. */
  overdueAt?: Date;
  reportedFrom?: Date;
  reportedTo?: Date;
  /** Only incidents of these units (exact ids; pass `Directory.subtree` for a unit with its sub-units). */
  unitIds?: readonly string[];
  /** Only incidents whose effective level (`confirmedLevel ?? proposedLevel`, responsibility.ts) is one of these. */
  levels?: readonly string[];
  /** Only incidents with one of these category ids. */
  categories?: readonly string[];
  /** Only incidents whose id, title or description contains this text (case-insensitive, taken literally). */
  text?: string;
  /** Only incidents in this scope (built by `visibilityScope` in visibility.ts, never by hand). */
  visibleIn?: VisibilityScope;
  limit?: number;
}

/**
 * Scheduler rows (`agenda_jobs`) written by the store in a transaction: the job name, and each
 * run's real (scheduler) time, UTC, and payload. See `IncidentRepo.queueSchedulerJobs`.
 */
export interface SchedulerJobs {
  name: string;
  jobs: ReadonlyArray<{ runAt: Date; data: Record<string, unknown> }>;
}

/** What `IncidentRepo.savePlan` writes in one statement: an incident's new plan (times UTC). */
export interface PlanWrite {
  incidentId: string;
  /** The new plan's id (the chase runs' token). */
  planId: string;
  /** The open milestones of the new plan (met ones are kept by the store). */
  open: MilestoneRecord[];
  escalation: EscalationSnapshot;
  at: Date;
  /** The ledger entry recording the plan. */
  entry: NewLedgerEntry;
  /**
   * The scheduler rows of the plan's first chase runs, written by the same statement as
   * `queueSchedulerJobs` writes them (one NOTIFY at commit): one round trip fewer per plan
   * (issue 15 target 1). Absent or empty: none.
   */
  jobs?: SchedulerJobs;
}

/**
 * Data access for incidents and everything hanging off them. An instance obtained inside
 * `UnitOfWork.transaction` runs every call in that one transaction.
 */
export interface IncidentRepo {
  /** Draft versions, decisions and sign-offs (issue 8), in this repo's transaction. */
  readonly approvals: ApprovalRepo;
  /**
   * Next id for the business date `yyyymmdd` (e.g. `20261129`): `YQ-20261129-001`, `-002`, …
   * Concurrency-safe (atomic counter row) and taken outside the repo's transaction (it never waits
   * for another open's commit; issue 15 item 1): unique and increasing, never reused; a number
   * whose transaction then rolls back is never used (a gap, logged at warn level by the store).
   * Call it only after every check that can refuse the open.
   */
  nextIncidentId(yyyymmdd: string): Promise<string>;
  /** Inserts an incident; `entry` (its `incident.opened`), if given, is appended with it (one statement). */
  insertIncident(i: NewIncident, entry?: NewLedgerEntry): Promise<Incident>;
  /** `forUpdate` takes a row lock (`SELECT … FOR UPDATE`) until the transaction ends. */
  getIncident(id: string, opts?: { forUpdate?: boolean }): Promise<Incident | undefined>;
  /** Patches the given fields and bumps `updatedAt`. Throws NotFoundError if absent. */
  updateIncident(id: string, patch: Partial<Omit<Incident, 'id' | 'createdAt' | 'updatedAt'>>): Promise<Incident>;
  listIncidents(filter: IncidentFilter): Promise<Incident[]>;

  /** Appends a ledger entry; returns it with its `seq`. */
  appendLedger(e: NewLedgerEntry): Promise<LedgerEntry>;
  /** Ledger of one incident, oldest first. */
  ledger(incidentId: string): Promise<LedgerEntry[]>;
  /**
   * The newest `limit` entries of one incident whose kind is not in `hiddenKinds`, oldest first
   * (the order of `ledger`), and `total`, how many such entries there are: one statement.
   */
  ledgerTail(
    incidentId: string,
    limit: number,
    hiddenKinds: readonly string[],
  ): Promise<{ entries: LedgerEntry[]; total: number }>;
  /** Whole ledger in a time range, oldest first (export, reports). */
  ledgerBetween(from: Date, to: Date): Promise<LedgerEntry[]>;

  /** Records an acknowledgement; returns false (and changes nothing) if that person already acknowledged. */
  acknowledge(a: Acknowledgement): Promise<boolean>;
  acknowledgements(incidentId: string): Promise<Acknowledgement[]>;
  /** Records an assignment; an existing (incident, person, role) is left as is and returns false. */
  assign(a: Assignment): Promise<boolean>;
  assignments(incidentId: string): Promise<Assignment[]>;

  /** Replaces the open milestones of an incident with `records` (all of one new plan). Met ones are kept. */
  replaceOpenMilestones(incidentId: string, records: MilestoneRecord[]): Promise<void>;
  /**
   * Saves a new plan in ONE statement (issue 15 item 1: one round trip instead of four under the
   * incident's transaction): `replaceOpenMilestones(p.incidentId, p.open)`, the incident's
   * `planId` set to `p.planId`, `savePlanSnapshot(p.planId, p.incidentId, p.escalation, p.at)` and
   * the ledger entry `p.entry` appended.
   * @throws IncidentNotFoundError if the incident does not exist; Error for a record of another incident.
   */
  savePlan(p: PlanWrite): Promise<void>;
  milestones(incidentId: string): Promise<MilestoneRecord[]>;
  /** Marks a milestone met; returns false if it was not open. */
  markMilestoneMet(incidentId: string, key: string, by: string, at: Date): Promise<boolean>;
  /** Sets `breachedAt` once; returns false if already set. */
  markMilestoneBreached(incidentId: string, key: string, at: Date): Promise<boolean>;
  /** Cancels all open milestones (on close). */
  cancelOpenMilestones(incidentId: string): Promise<void>;
  /**
   * Claims a chase step exactly once: inserts (incident, milestone, step, planId) and returns true,
   * or returns false if it exists already (the step was done before).
   */
  claimChaseStep(incidentId: string, milestoneKey: string, step: string, planId: string, at: Date): Promise<boolean>;
  /**
   * Open milestones planned under their incident's active plan (`milestones.plan_id =
   * incidents.plan_id`), across all incidents: what the chase reconcile pass keeps scheduled.
   */
  activeOpenMilestones(): Promise<ChaseRun[]>;
  /** Stores the escalation policy plan `planId` was made with (once per plan). @throws IncidentNotFoundError. */
  savePlanSnapshot(planId: string, incidentId: string, escalation: EscalationSnapshot, at: Date): Promise<void>;
  /** The escalation policy of a plan, or undefined for a plan made before snapshots existed. */
  planSnapshot(planId: string): Promise<EscalationSnapshot | undefined>;
  insertBreach(b: Omit<Breach, 'id'>): Promise<Breach>;
  breaches(incidentId: string): Promise<Breach[]>;
  updateBreachGrade(id: number, grade: Breach['grade'], by: string, note: string | null): Promise<Breach | undefined>;

  /**
   * THE outbound seam (issue 14 item 1): queues `notice` in the outbox, in this repo's
   * transaction, under the idempotency key `key` derived from its cause (`open:<incident>`,
   * `chase:<incident>:<milestone>:<steps>:<plan>`, `level:<incident>:<ledger seq>`, …). The notice
   * fans out into one row per platform and destination (the chat on every bound platform, 1:1
   * recipients where the platform allows); a key already queued for a destination adds nothing
   * there, so a retried cause never sends twice. Nothing else sends: the delivery worker delivers
   * the rows after commit (or the command's own reply path, see `bot/Bot.ts`).
   * `entry` (the `message.queued` ledger entry of the notice) is appended in the same statement
   * when at least one row was newly queued, never otherwise.
   * @returns the number of rows newly queued (0 when every destination already had the key).
   */
  enqueueNotice(key: string, incidentId: string | null, notice: Notice, entry?: NewLedgerEntry): Promise<number>;
  /**
   * Runs `cb` after the surrounding transaction commits (never if it rolls back); outside a
   * transaction, at once. Failures of `cb` are the caller's to catch.
   */
  afterCommit(cb: () => Promise<void>): void;
  /**
   * Queues scheduler jobs named `name` in this repo's transaction (one statement however many),
   * and wakes the scheduler at commit (a NOTIFY, delivered only if the transaction commits), so
   * the commit that makes a plan also schedules its chases: nothing is lost between commit and
   * scheduling, and an open costs two statements instead of three to four per milestone (issue 15
   * item 1). `runAt` is real time (UTC); `data` is the job's payload. Does nothing for `[]`.
   */
  queueSchedulerJobs(name: string, jobs: SchedulerJobs['jobs']): Promise<void>;
  /** Delivery state of every message queued for an incident, oldest first (for `/查看`). */
  deliveries(incidentId: string): Promise<DeliveryStatus[]>;
}

/**
 * A queued message's delivery state as people read it: `sent` (delivered, also when merged into
 * a delivered message), `queued` (waiting its turn or its rate-limit window), `retrying` (a send
 * failed and will be retried), `failed` (dead letter: an admin may `/重发`).
 */
export interface DeliveryStatus {
  id: number;
  key: string;
  platform: string;
  state: 'queued' | 'retrying' | 'sent' | 'failed';
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  lastError: string | null;
}

/**
 * One platform delivery of a notice, as the bot's router computes it: the platform, the platform
 * conversation (a chat id, or a user id for 1:1) and the platform-level message (mentions are
 * platform user ids, `@{userId}` tokens). The store keeps it as JSON; only `bot/` reads it.
 */
export interface RoutedDelivery {
  platform: string;
  to: { chatId?: string; userId?: string };
  message: { text: string; mentions?: string[]; card?: CardSpec };
}

/** Fans a domain notice out to its platform deliveries (implemented in `bot/Notifier.ts`). */
export type NoticeRouter = (n: Notice) => RoutedDelivery[];

/**
 * Transaction boundary. `transaction` retries nothing; errors roll back and propagate. Inside a
 * command scope (`OutboxPort.withinCommand`) a transaction joins the scope's one transaction (as
 * a savepoint), so a command's change and its reply commit together; `repo` then reads in it too.
 */
export interface UnitOfWork {
  transaction<T>(fn: (repo: IncidentRepo) => Promise<T>): Promise<T>;
  /** A repo outside any transaction, for reads. */
  readonly repo: IncidentRepo;
}

/** Remembers processed inbound event ids, for dedupe across retries and restarts. */
export interface EventDedupe {
  /**
   * Returns true the first time `(platform, eventId)` is seen, false afterwards — except that,
   * with `retakeAfterMs`, an event whose handling never finished (no `handled` call) and that was
   * first seen more than `retakeAfterMs` ms ago is taken over again (true): the platform's retry
   * after a crash between acknowledging and handling is not lost (issue 14 item 4).
   */
  firstSeen(
    platform: string,
    eventId: string,
    opts?: { retakeAfterMs?: number; replay?: Record<string, unknown> },
  ): Promise<boolean>;
  /** Records that the event's handling finished: it is never taken over again. */
  handled?(platform: string, eventId: string): Promise<void>;
  /**
   * Takes over the unfinished claims of `platform` that carry a `replay` (given to `firstSeen`),
   * claimed more than `olderThanMs` ms ago but less than `withinMs` ms ago, at most `limit`, oldest
   * first: each is returned to exactly one caller across instances (the same conditional takeover
   * as a retry's), so a restart hands a message over again whose handling a crash cut short.
   */
  takeOverUnfinished?(
    platform: string,
    opts: { olderThanMs: number; withinMs: number; limit: number },
  ): Promise<Array<{ eventId: string; replay: Record<string, unknown> }>>;
}

/** Current time. Tests and drills inject their own. */
export interface Clock {
  now(): Date;
}

/** A neutral card (also used by `bot/` as its `Card`). */
export interface CardSpec {
  /** Stable id (also WeCom task_id): [0-9A-Za-z_-@], <= 128 bytes. */
  id: string;
  title: string;
  description?: string;
  fields?: Array<{ label: string; value: string }>;
  buttons: Array<{ key: string; text: string; style?: 'primary' | 'danger' | 'default' }>;
}

/**
 * A message from the domain to people. `text` may contain `@{personId}` tokens where a mention
 * belongs; the notifier turns them into each platform's mention form. `mentions` are person ids.
 */
export interface Notice {
  /** Config chat id to post into. */
  chatId?: string;
  /** Person ids to message 1:1, where the platform allows. */
  directTo?: string[];
  /** Send the card 1:1 too (approval cards go to each approver; issue 8). Default: text only 1:1. */
  cardDirect?: boolean;
  /**
   * Person ids who must be reached in person (the responsible people of a new incident): on
   * platforms that ping (WeCom with the self-built app, issue 12 item 3) each also gets the
   * notice 1:1 with its card, besides the chat post. Other platforms ignore it.
   */
  ping?: string[];
  text: string;
  mentions: string[];
  card?: CardSpec;
}

/** Delivers notices to chats (all platforms a chat is bound on). Failures are logged, not thrown. */
export interface Notifier {
  /**
   * Queues `n` in the outbox in a transaction of its own (issue 14). `key` is the idempotency key of
   * its cause (e.g. `rollup:<chat>:<business date>`): queuing the same key again adds nothing, so a
   * caller that crashed after queuing may simply queue again. Without a key, every call is a new message.
   */
  notify(n: Notice, key?: string): Promise<void>;
}

/**
 * Schedules milestone chase runs (implemented with Agenda in `jobs/`). One pending run per
 * (incident, milestone): scheduling again moves it. `at` is in the domain clock's time.
 */
export interface ChaseScheduler {
  /** Schedules `run` at domain time `at` (outside any transaction: after commit, reconcile). */
  schedule(run: ChaseRun, at: Date): Promise<void>;
  /**
   * The scheduler rows that schedule every run at its domain time `at` when the store writes them
   * in a plan's transaction (`PlanWrite.jobs`, as `IncidentRepo.queueSchedulerJobs` would); without
   * it the planner schedules one by one after commit.
   */
  jobsInTransaction?(runs: ReadonlyArray<{ run: ChaseRun; at: Date }>): SchedulerJobs;
}

/** Identifies one chase run: the milestone of an incident under one plan (the plan id is the token). */
export interface ChaseRun {
  incidentId: string;
  key: string;
  planId: string;
}

/** A claimed scheduler row (the chase sweep's batch claims): the run's data, when it was planned and the lease that fences its finish. */
export interface ClaimedChase<D> {
  id: string;
  data: D;
  /** The planned time (`next_run_at`), UTC. */
  plannedAt: Date;
  /** The lease (`locked_at` as claimed), UTC. */
  lockedAt: Date;
}

/** What to do with a claimed row when its run ended (or never started): run again at `next`, or removed (`null`). */
export type ChaseOutcomeRow = { id: string; lockedAt: Date; next: Date } | { id: string; lockedAt: Date; next: null };

/**
 * Batch claims over the scheduler's chase rows (implemented by `store/PgChaseQueue`; issue 15
 * target 3): `claim` takes at most `limit` due rows (or rows whose lease is older than
 * `lockDeadline`) in one round trip, skipping rows other instances hold; `finish` ends them in one
 * round trip, fenced by each row's lease.
 */
export interface ChaseClaims<D> {
  claim(opts: { now: Date; lockDeadline: Date; limit: number; owner?: string }): Promise<ClaimedChase<D>[]>;
  finish(rows: ReadonlyArray<ChaseOutcomeRow>, at: Date): Promise<void>;
}

/** The slice of a (pino) logger the domain uses: `(fields, message)`. */
export interface DomainLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}
