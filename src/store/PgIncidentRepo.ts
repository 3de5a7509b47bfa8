/**
 * PostgreSQL implementation of the domain's `IncidentRepo` port (see `domain/ports.ts` for each
 * method's contract). Built on a `Kysely` or a `Transaction`; inside `PgUnitOfWork.transaction`
 * every call runs in that one transaction.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { EscalationSnapshot } from '../domain/milestones/escalation-snapshot.js';
import type {
  ChaseRun,
  DeliveryStatus,
  IncidentFilter,
  IncidentRepo,
  Notice,
  NoticeRouter,
  PlanWrite,
  SchedulerJobs,
} from '../domain/ports.js';
import type {
  Acknowledgement,
  Assignment,
  Breach,
  Incident,
  LedgerEntry,
  MilestoneRecord,
  NewIncident,
  NewLedgerEntry,
} from '../domain/types.js';
import type { ApprovalRepo } from '../domain/approvals/ports.js';
import { IncidentNotFoundError } from '../errors.js';
import { PgApprovalRepo } from './PgApprovalRepo.js';
import { deliveryStates, insertOutboxRows } from './outbox-sql.js';
import type { Database, IncidentRow, MilestoneRow } from './schema.js';
import type { TxContext } from './tx-context.js';
import {
  fromIncidentPatch,
  fromMilestone,
  fromNewIncident,
  toAcknowledgement,
  toAssignment,
  toBreach,
  toIncident,
  toLedgerEntry,
  toMilestone,
} from './rows.js';

/** Incident number digits: `YQ-20261129-001` (more digits past 999). */
const NUMBER_WIDTH = 3;

/** Runs `op`, turning a foreign-key violation (unknown incident id) into IncidentNotFoundError. */
async function requireIncident<T>(incidentId: string | null, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new IncidentNotFoundError(incidentId ?? '');
    throw err;
  }
}

/**
 * The CTEs `gone, planned` that replace an incident's open milestones by `records` in one
 * statement: open rows whose key is not planned any more are deleted; each record is upserted,
 * replacing an open or cancelled row of its key and keeping a met one (the two touch disjoint rows).
 */
function milestoneCtes(incidentId: string, records: MilestoneRecord[]) {
  return sql`gone AS (
      DELETE FROM milestones
       WHERE incident_id = ${incidentId} AND state = 'open' AND NOT (key = ANY(${records.map((r) => r.key)}::text[]))
      RETURNING key),
    planned AS (
      INSERT INTO milestones (incident_id, key, name, owner_ids, starts_at, due_at, state, met_at, met_by, breached_at, plan_id)
      SELECT r.incident_id, r.key, r.name, r.owner_ids, r.starts_at, r.due_at, r.state, r.met_at, r.met_by, r.breached_at, r.plan_id
        FROM jsonb_to_recordset(${JSON.stringify(records.map(fromMilestone))}::jsonb) AS r(incident_id text, key text,
             name text, owner_ids text[], starts_at timestamptz, due_at timestamptz, state text, met_at timestamptz,
             met_by text, breached_at timestamptz, plan_id text)
      ON CONFLICT (incident_id, key) DO UPDATE SET
        name = excluded.name, owner_ids = excluded.owner_ids, starts_at = excluded.starts_at, due_at = excluded.due_at,
        state = excluded.state, met_at = excluded.met_at, met_by = excluded.met_by, breached_at = excluded.breached_at,
        plan_id = excluded.plan_id
       WHERE milestones.state IN ('open', 'cancelled')
      RETURNING *)`;
}

/** A `milestones` row as `to_jsonb` gives it (timestamps as ISO text with an offset). */
type MilestoneJson = Omit<MilestoneRow, 'starts_at' | 'due_at' | 'met_at' | 'breached_at'> & {
  starts_at: string;
  due_at: string;
  met_at: string | null;
  breached_at: string | null;
};

/** A `to_jsonb` milestones row → MilestoneRecord (as `toMilestone` makes from a selected row). */
function fromMilestoneJson(j: MilestoneJson): MilestoneRecord {
  const at = (t: string | null) => (t === null ? null : new Date(t));
  return toMilestone({
    ...j,
    starts_at: new Date(j.starts_at),
    due_at: new Date(j.due_at),
    met_at: at(j.met_at),
    breached_at: at(j.breached_at),
  });
}

/**
 * CTEs `queued_jobs` and `jobs_notified` (reference `jobs_notified`, or its NOTIFY is not sent):
 * one multi-row INSERT into the scheduler's table (`agenda_jobs`, @agendajs/postgres-backend's
 * default) with the columns Agenda writes for a new job, and one `pg_notify` on its channel naming
 * the earliest run. No LIMIT, so the statements carrying it stay prepared (`preparedName`).
 */
function schedulerJobsCtes(j: SchedulerJobs): RawBuilder<unknown> {
  return sql`
    queued_jobs AS (
      INSERT INTO agenda_jobs (name, priority, next_run_at, type, data, disabled, fork)
      SELECT ${j.name}, 0, t.at, 'normal', t.data, false, false
        FROM unnest(${j.jobs.map((x) => x.runAt.toISOString())}::timestamptz[],
                    ${j.jobs.map((x) => JSON.stringify(x.data))}::jsonb[]) AS t(at, data)
      RETURNING id, name, next_run_at),
    jobs_notified AS (
      SELECT pg_notify('agenda_jobs', json_build_object(
               'jobId', (array_agg(id ORDER BY next_run_at))[1], 'jobName', min(name),
               'nextRunAt', min(next_run_at), 'priority', 0, 'timestamp', now())::text)
        FROM queued_jobs HAVING count(*) > 0)`;
}

/** IncidentRepo over PostgreSQL. */
export class PgIncidentRepo implements IncidentRepo {
  /** Approvals (issue 8), on the same connection or transaction. */
  readonly approvals: ApprovalRepo;

  /**
   * @param opts.router fans notices out to platform deliveries (default: none, nothing is queued);
   *   `opts.tx` is the transaction this repo is bound to (for after-commit callbacks and scopes);
   *   `opts.numbers` is where incident numbers are taken, autocommit (see `nextIncidentId`).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: { router?: NoticeRouter; tx?: TxContext; numbers?: Kysely<Database> } = {},
  ) {
    this.approvals = new PgApprovalRepo(db);
  }

  async enqueueNotice(key: string, incidentId: string | null, notice: Notice, entry?: NewLedgerEntry): Promise<number> {
    const deliveries = this.opts.router?.(notice) ?? [];
    const rows = await insertOutboxRows(
      this.db,
      this.opts.tx,
      deliveries.map((delivery) => ({ key, incidentId, kind: 'notice' as const, delivery })),
      entry,
    );
    return rows.length;
  }

  /**
   * One multi-row INSERT into the scheduler's table (`agenda_jobs`, @agendajs/postgres-backend's
   * default, the one src/jobs/agenda.ts uses) with the columns Agenda writes for a new job, and in
   * the same statement one `pg_notify` on its channel naming the earliest run (Agenda's processor fills its queue for
   * that job name when the run is due within its scan interval; later runs are found by its poll).
   * The SQL is `schedulerJobsCtes`, which `savePlan` also writes.
   */
  async queueSchedulerJobs(name: string, jobs: SchedulerJobs['jobs']): Promise<void> {
    if (jobs.length === 0) return;
    await sql`WITH ${schedulerJobsCtes({ name, jobs })} SELECT count(*) FROM jobs_notified`.execute(this.db);
  }

  afterCommit(cb: () => Promise<void>): void {
    if (this.opts.tx && !this.opts.tx.done) this.opts.tx.after.push(cb);
    else void cb().catch(() => undefined);
  }

  async deliveries(incidentId: string): Promise<DeliveryStatus[]> {
    return deliveryStates(this.db, incidentId);
  }

  /**
   * Takes the next number of `yyyymmdd` from its counter row in ONE autocommit statement
   * (INSERT … ON CONFLICT DO UPDATE … RETURNING) on the store's own number pool (`opts.numbers`),
   * outside any transaction this repo is bound to: the counter row is locked only for that
   * statement, so concurrent opens of one day no longer queue on it until their commit (issue 15
   * item 1). Numbers are unique and increasing; a number whose open then fails (a database failure
   * or a crash mid-open) is never used, a gap in the day's numbers, and the transaction's rollback
   * logs it (`PgUnitOfWork`). Without `opts.numbers` it runs on this repo's connection.
   * @throws Error if `yyyymmdd` is not 8 digits.
   */
  async nextIncidentId(yyyymmdd: string): Promise<string> {
    if (!/^\d{8}$/.test(yyyymmdd)) throw new Error(`nextIncidentId: business date must be yyyymmdd, got "${yyyymmdd}"`);
    const row = await (this.opts.numbers ?? this.db)
      .insertInto('incident_counters')
      .values({ business_date: yyyymmdd, last_number: 1 })
      .onConflict((oc) =>
        oc.column('business_date').doUpdateSet((eb) => ({
          last_number: eb('incident_counters.last_number', '+', 1),
        })),
      )
      .returning('last_number')
      .executeTakeFirstOrThrow();
    const id = `YQ-${yyyymmdd}-${String(row.last_number).padStart(NUMBER_WIDTH, '0')}`;
    if (this.opts.numbers && this.opts.tx && !this.opts.tx.done) this.opts.tx.numbers.push(id);
    return id;
  }

  /**
   * Inserts an incident; `createdAt`/`updatedAt` are the database's `now()`. `entry` (its
   * `incident.opened`) is appended in the same statement (issue 15 item 1: one round trip).
   */
  async insertIncident(i: NewIncident, entry?: NewLedgerEntry): Promise<Incident> {
    if (!entry) {
      const row = await this.db
        .insertInto('incidents')
        .values(fromNewIncident(i))
        .returningAll()
        .executeTakeFirstOrThrow();
      this.created(row.id);
      return this.remember(toIncident(row));
    }
    const row = await this.db
      .with('inc', (db) => db.insertInto('incidents').values(fromNewIncident(i)).returningAll())
      .with('entry', (db) =>
        db
          .insertInto('ledger_entries')
          .values({
            incident_id: entry.incidentId,
            actor: entry.actor,
            kind: entry.kind,
            payload: JSON.stringify(entry.payload),
            at: entry.at,
          })
          .returning('seq'),
      )
      .selectFrom('inc')
      .selectAll()
      .executeTakeFirstOrThrow();
    this.created(row.id);
    return this.remember(toIncident(row));
  }

  /**
   * In a transaction, a row it wrote or locked before is answered from `TxContext.incidents` (no
   * round trip: nobody else can have changed it, and the row lock is already held).
   */
  async getIncident(id: string, opts: { forUpdate?: boolean } = {}): Promise<Incident | undefined> {
    const known = this.known(id);
    if (known) return known;
    let q = this.db.selectFrom('incidents').selectAll().where('id', '=', id);
    if (opts.forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (row === undefined) return undefined;
    return opts.forUpdate ? this.remember(toIncident(row)) : toIncident(row);
  }

  /** Keeps `i` as this transaction's row of it (see `TxContext.incidents`); returns a copy. */
  private remember(i: Incident): Incident {
    const tx = this.opts.tx;
    if (tx && !tx.done) tx.incidents.set(i.id, i);
    return { ...i };
  }

  /** Notes that this transaction inserted incident `id` (see `TxContext.created`). */
  private created(id: string): void {
    const tx = this.opts.tx;
    if (tx && !tx.done) tx.created.add(id);
  }

  /**
   * The live transaction if it inserted incident `id` (its milestones then change only through
   * this transaction; see `TxContext.milestones`).
   */
  private creatorOf(id: string): TxContext | undefined {
    const tx = this.opts.tx;
    return tx && !tx.done && tx.created.has(id) ? tx : undefined;
  }

  /** Drops the remembered milestones of `incidentId` (any milestone write but `savePlan`'s). */
  private milestonesChanged(incidentId: string): void {
    this.opts.tx?.milestones.delete(incidentId);
  }

  /** A copy of this transaction's row of `id`, if it wrote or locked it. */
  private known(id: string): Incident | undefined {
    const tx = this.opts.tx;
    const i = tx && !tx.done ? tx.incidents.get(id) : undefined;
    return i ? { ...i } : undefined;
  }

  /** @throws IncidentNotFoundError (coded; its text lives in errors.ts) if the incident does not exist. */
  async updateIncident(
    id: string,
    patch: Partial<Omit<Incident, 'id' | 'createdAt' | 'updatedAt'>>,
  ): Promise<Incident> {
    const row = await this.db
      .updateTable('incidents')
      .set({ ...fromIncidentPatch(patch), updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new IncidentNotFoundError(id);
    return this.remember(toIncident(row));
  }

  /**
   * Newest first (`reportedAt` desc, then id desc). `reportedFrom` is inclusive, `reportedTo`
   * exclusive; an empty `statuses` array matches nothing.
   */
  async listIncidents(f: IncidentFilter): Promise<Incident[]> {
    if (f.statuses !== undefined && f.statuses.length === 0) return [];
    let q = this.db.selectFrom('incidents').selectAll('incidents');
    if (f.chatId !== undefined) q = q.where('chat_id', '=', f.chatId);
    if (f.unitId !== undefined) q = q.where('unit_id', '=', f.unitId);
    const scope = f.visibleIn;
    if (scope !== undefined && !scope.all) {
      const { chatIds, unitIds, personId } = scope;
      if (chatIds.length === 0 && unitIds.length === 0 && personId === null) return [];
      // the same test as domain/visibility.ts inScope, in SQL
      q = q.where((eb) =>
        eb.or([
          ...(chatIds.length ? [eb('chat_id', 'in', [...chatIds])] : []),
          ...(unitIds.length ? [eb('unit_id', 'in', [...unitIds])] : []),
          ...(personId === null
            ? []
            : [
                eb('reporter_id', '=', personId),
                eb.exists(
                  eb
                    .selectFrom('assignments as a')
                    .select(sql<number>`1`.as('one'))
                    .whereRef('a.incident_id', '=', 'incidents.id')
                    .where('a.person_id', '=', personId),
                ),
              ]),
        ]),
      );
    }
    if (f.statuses !== undefined) q = q.where('status', 'in', f.statuses);
    if (f.reportedFrom !== undefined) q = q.where('reported_at', '>=', f.reportedFrom);
    if (f.reportedTo !== undefined) q = q.where('reported_at', '<', f.reportedTo);
    if (f.unitIds !== undefined) {
      if (f.unitIds.length === 0) return [];
      q = q.where('unit_id', 'in', [...f.unitIds]);
    }
    if (f.levels !== undefined) {
      if (f.levels.length === 0) return [];
      // the effective level, as responsibility.ts effectiveLevel
      q = q.where(sql<string>`coalesce(confirmed_level, proposed_level)`, 'in', [...f.levels]);
    }
    if (f.categories !== undefined) {
      if (f.categories.length === 0) return [];
      q = q.where('category', 'in', [...f.categories]);
    }
    if (f.text !== undefined && f.text.trim() !== '') {
      const like = `%${f.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([eb('id', 'ilike', like), eb('title', 'ilike', like), eb('description', 'ilike', like)]),
      );
    }
    const overdueAt = f.overdueAt;
    if (overdueAt !== undefined) {
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('milestones as m')
            .select(sql<number>`1`.as('one'))
            .whereRef('m.incident_id', '=', 'incidents.id')
            .where('m.state', '=', 'open')
            .where('m.due_at', '<', overdueAt),
        ),
      );
    }
    q = q.orderBy('reported_at', 'desc').orderBy('id', 'desc');
    if (f.limit !== undefined) q = q.limit(Math.max(0, Math.floor(f.limit)));
    return (await q.execute()).map(toIncident);
  }

  /** @throws IncidentNotFoundError if `incidentId` names no incident. */
  async appendLedger(e: NewLedgerEntry): Promise<LedgerEntry> {
    const row = await requireIncident(e.incidentId, () =>
      this.db
        .insertInto('ledger_entries')
        .values({
          incident_id: e.incidentId,
          actor: e.actor,
          kind: e.kind,
          payload: JSON.stringify(e.payload),
          at: e.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toLedgerEntry(row);
  }

  /** Oldest first by `at`, then `seq`. */
  async ledger(incidentId: string): Promise<LedgerEntry[]> {
    const rows = await this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('at')
      .orderBy('seq')
      .execute();
    return rows.map(toLedgerEntry);
  }

  /** One statement: the tail newest first (index `ledger_entries_incident_idx` backwards), the count by window. */
  async ledgerTail(
    incidentId: string,
    limit: number,
    hiddenKinds: readonly string[],
  ): Promise<{ entries: LedgerEntry[]; total: number }> {
    const rows = await this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .select(sql<number>`count(*) OVER ()`.as('total'))
      .where('incident_id', '=', incidentId)
      .where(sql<boolean>`kind <> ALL(${[...hiddenKinds]}::text[])`)
      .orderBy('at', 'desc')
      .orderBy('seq', 'desc')
      .limit(Math.max(0, Math.floor(limit)))
      .execute();
    return { entries: rows.map(toLedgerEntry).reverse(), total: rows.length ? Number(rows[0].total) : 0 };
  }

  /** Entries with `from <= at < to`, oldest first by `at`, then `seq`. */
  async ledgerBetween(from: Date, to: Date): Promise<LedgerEntry[]> {
    const rows = await this.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .orderBy('seq')
      .execute();
    return rows.map(toLedgerEntry);
  }

  /** @throws IncidentNotFoundError if the incident does not exist. */
  async acknowledge(a: Acknowledgement): Promise<boolean> {
    const row = await requireIncident(a.incidentId, () =>
      this.db
        .insertInto('acknowledgements')
        .values({ incident_id: a.incidentId, person_id: a.personId, role: a.role, at: a.at })
        .onConflict((oc) => oc.columns(['incident_id', 'person_id']).doNothing())
        .returning('person_id')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  /** Oldest first. */
  async acknowledgements(incidentId: string): Promise<Acknowledgement[]> {
    const rows = await this.db
      .selectFrom('acknowledgements')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('at')
      .orderBy('person_id')
      .execute();
    return rows.map(toAcknowledgement);
  }

  /** @throws IncidentNotFoundError if the incident does not exist. */
  async assign(a: Assignment): Promise<boolean> {
    const row = await requireIncident(a.incidentId, () =>
      this.db
        .insertInto('assignments')
        .values({ incident_id: a.incidentId, person_id: a.personId, role: a.role, assigned_by: a.assignedBy, at: a.at })
        .onConflict((oc) => oc.columns(['incident_id', 'person_id', 'role']).doNothing())
        .returning('person_id')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  /** Oldest first. */
  async assignments(incidentId: string): Promise<Assignment[]> {
    const rows = await this.db
      .selectFrom('assignments')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('at')
      .orderBy('person_id')
      .orderBy('role')
      .execute();
    return rows.map(toAssignment);
  }

  /**
   * Replaces the incident's open milestones by `records` in one statement (`milestoneCtes`): open
   * rows of keys not planned any more are deleted; a record whose key is already met is skipped (the
   * met one is kept); one whose key is open or cancelled replaces that row.
   * @throws Error if a record belongs to another incident; IncidentNotFoundError if the incident does not exist.
   */
  async replaceOpenMilestones(incidentId: string, records: MilestoneRecord[]): Promise<void> {
    const stray = records.find((r) => r.incidentId !== incidentId);
    if (stray)
      throw new Error(`replaceOpenMilestones: record ${stray.key} belongs to ${stray.incidentId}, not ${incidentId}`);
    this.milestonesChanged(incidentId);
    await requireIncident(incidentId, () =>
      sql`WITH ${milestoneCtes(incidentId, records)} SELECT count(*) FROM planned`.execute(this.db),
    );
  }

  /**
   * One statement: the stale open milestones deleted and the plan's records upserted (an open or
   * cancelled row of the same key is replaced, a met one kept: what `replaceOpenMilestones` does in
   * two), the incident's `plan_id` set, the snapshot, the ledger entry and `p.jobs`'s scheduler
   * rows (with their NOTIFY, `schedulerJobsCtes`) inserted, as
   * data-modifying CTEs of the incident's UPDATE (they touch disjoint rows). For an incident this
   * transaction inserted, the statement also returns the incident's milestones as they are after it
   * (the rows upserted plus the ones it left alone), kept in `TxContext.milestones` for
   * `milestones()` (issue 15 target 1: no re-read for the open's notice).
   * @throws IncidentNotFoundError if the incident does not exist; Error for a stray record.
   */
  async savePlan(p: PlanWrite): Promise<void> {
    const stray = p.open.find((r) => r.incidentId !== p.incidentId);
    if (stray) throw new Error(`savePlan: record ${stray.key} belongs to ${stray.incidentId}, not ${p.incidentId}`);
    const creator = this.creatorOf(p.incidentId);
    const jobs = p.jobs?.jobs.length ? p.jobs : undefined;
    this.milestonesChanged(p.incidentId);
    // the statement's CTEs and its UPDATE see the rows as they were before it: what it leaves is
    // what `planned` returns plus the rows neither `gone` nor `planned` touched
    const after = creator
      ? sql`, (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.due_at, a.key), '[]'::jsonb)
             FROM (SELECT * FROM planned
                   UNION ALL
                   SELECT m.* FROM milestones m
                    WHERE m.incident_id = ${p.incidentId}
                      AND m.key NOT IN (SELECT key FROM gone) AND m.key NOT IN (SELECT key FROM planned)) a
          ) AS milestones_after`
      : sql``;
    const { rows } = await requireIncident(p.incidentId, () =>
      sql<IncidentRow & { milestones_after?: MilestoneJson[]; jobs_notified?: string }>`
        WITH ${milestoneCtes(p.incidentId, p.open)},
        snapshot AS (
          INSERT INTO plan_snapshots (plan_id, incident_id, escalation, created_at)
          VALUES (${p.planId}, ${p.incidentId}, ${JSON.stringify(p.escalation)}::jsonb, ${p.at})
          ON CONFLICT (plan_id) DO NOTHING
          RETURNING plan_id),
        entry AS (
          INSERT INTO ledger_entries (incident_id, actor, kind, payload, at)
          VALUES (${p.entry.incidentId}, ${p.entry.actor}, ${p.entry.kind}, ${JSON.stringify(p.entry.payload)}::jsonb, ${p.entry.at})
          RETURNING seq)${jobs ? sql`, ${schedulerJobsCtes(jobs)}` : sql``}
        UPDATE incidents SET plan_id = ${p.planId}, updated_at = now() WHERE id = ${p.incidentId}
        RETURNING *${after}${jobs ? sql`, (SELECT count(*) FROM jobs_notified) AS jobs_notified` : sql``}`.execute(
        this.db,
      ),
    );
    if (rows.length === 0) throw new IncidentNotFoundError(p.incidentId);
    const { milestones_after: ms, jobs_notified: _notified, ...incident } = rows[0];
    this.remember(toIncident(incident));
    if (creator && ms) creator.milestones.set(p.incidentId, ms.map(fromMilestoneJson));
  }

  /**
   * Ordered by due time, then key. For an incident this transaction inserted and planned, answered
   * from `TxContext.milestones` (copies; no round trip).
   */
  async milestones(incidentId: string): Promise<MilestoneRecord[]> {
    const kept = this.creatorOf(incidentId)?.milestones.get(incidentId);
    if (kept) return kept.map((m) => ({ ...m, ownerIds: [...m.ownerIds] }));
    const rows = await this.db
      .selectFrom('milestones')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('due_at')
      .orderBy('key')
      .execute();
    return rows.map(toMilestone);
  }

  async markMilestoneMet(incidentId: string, key: string, by: string, at: Date): Promise<boolean> {
    this.milestonesChanged(incidentId);
    const r = await this.db
      .updateTable('milestones')
      .set({ state: 'met', met_at: at, met_by: by })
      .where('incident_id', '=', incidentId)
      .where('key', '=', key)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async markMilestoneBreached(incidentId: string, key: string, at: Date): Promise<boolean> {
    this.milestonesChanged(incidentId);
    const r = await this.db
      .updateTable('milestones')
      .set({ breached_at: at })
      .where('incident_id', '=', incidentId)
      .where('key', '=', key)
      .where('breached_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async cancelOpenMilestones(incidentId: string): Promise<void> {
    this.milestonesChanged(incidentId);
    await this.db
      .updateTable('milestones')
      .set({ state: 'cancelled' })
      .where('incident_id', '=', incidentId)
      .where('state', '=', 'open')
      .execute();
  }

  /** @throws IncidentNotFoundError if the incident does not exist. */
  async claimChaseStep(
    incidentId: string,
    milestoneKey: string,
    step: string,
    planId: string,
    at: Date,
  ): Promise<boolean> {
    const row = await requireIncident(incidentId, () =>
      this.db
        .insertInto('chase_steps')
        .values({ incident_id: incidentId, milestone_key: milestoneKey, step, plan_id: planId, done_at: at })
        .onConflict((oc) => oc.columns(['incident_id', 'milestone_key', 'step', 'plan_id']).doNothing())
        .returning('step')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  async savePlanSnapshot(planId: string, incidentId: string, escalation: EscalationSnapshot, at: Date): Promise<void> {
    await requireIncident(incidentId, () =>
      this.db
        .insertInto('plan_snapshots')
        .values({
          plan_id: planId,
          incident_id: incidentId,
          escalation: JSON.stringify(escalation),
          created_at: at,
        })
        .onConflict((oc) => oc.column('plan_id').doNothing())
        .execute(),
    );
  }

  async planSnapshot(planId: string): Promise<EscalationSnapshot | undefined> {
    const row = await this.db
      .selectFrom('plan_snapshots')
      .select('escalation')
      .where('plan_id', '=', planId)
      .executeTakeFirst();
    return row ? (row.escalation as unknown as EscalationSnapshot) : undefined;
  }

  /**
   * Open milestones whose plan is their incident's active plan, across all incidents; ordered by
   * due time, then incident id and key (uses the partial index on open milestones' due time).
   */
  async activeOpenMilestones(): Promise<ChaseRun[]> {
    const rows = await this.db
      .selectFrom('milestones as m')
      .innerJoin('incidents as i', (j) => j.onRef('i.id', '=', 'm.incident_id').onRef('i.plan_id', '=', 'm.plan_id'))
      .select(['m.incident_id', 'm.key', 'm.plan_id'])
      .where('m.state', '=', 'open')
      .orderBy('m.due_at')
      .orderBy('m.incident_id')
      .orderBy('m.key')
      .execute();
    return rows.map((r) => ({ incidentId: r.incident_id, key: r.key, planId: r.plan_id }));
  }

  /** @throws IncidentNotFoundError if the incident does not exist. */
  async insertBreach(b: Omit<Breach, 'id'>): Promise<Breach> {
    const row = await requireIncident(b.incidentId, () =>
      this.db
        .insertInto('breaches')
        .values({
          incident_id: b.incidentId,
          milestone_key: b.milestoneKey,
          person_ids: b.personIds,
          grade: b.grade,
          at: b.at,
          graded_by: b.gradedBy,
          note: b.note,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toBreach(row);
  }

  /** Oldest first. */
  async breaches(incidentId: string): Promise<Breach[]> {
    const rows = await this.db
      .selectFrom('breaches')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map(toBreach);
  }

  /** @returns the updated breach, or undefined if no breach has that id. */
  async updateBreachGrade(
    id: number,
    grade: Breach['grade'],
    by: string,
    note: string | null,
  ): Promise<Breach | undefined> {
    const row = await this.db
      .updateTable('breaches')
      .set({ grade, graded_by: by, note })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toBreach(row);
  }
}
