/**
 * PostgreSQL implementation of the reports' `ReportStore` port (issue 9; contracts in
 * `domain/report-ports.ts`): period reads over incidents, milestones, breaches, acknowledgements
 * and the ledger; duty reports; and the exactly-once claims of scheduled posts (`report_posts`,
 * primary key = the post's idempotency key).
 */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import type {
  DutyReport,
  ExportFilter,
  ExportPage,
  PostClaim,
  ReportData,
  ReportStore,
  StoredPost,
} from '../domain/report-ports.js';
import type { LedgerEntry } from '../domain/types.js';
import type { Database, DutyReportsTable, ReportPostsTable } from './schema.js';
import { anyText } from './sql-lists.js';
import { currentTx } from './tx-context.js';
import { toAcknowledgement, toAssignment, toBreach, toIncident, toLedgerEntry, toMilestone } from './rows.js';

const LIFECYCLE = ['incident.opened', 'incident.status_changed', 'incident.closed', 'incident.reopened'];

function toDuty(r: Selectable<DutyReportsTable>): DutyReport {
  return {
    id: r.id,
    unitId: r.unit_id,
    shiftDate: r.shift_date,
    chatId: r.chat_id,
    filedBy: r.filed_by,
    filedAt: r.filed_at,
    platforms: r.platforms,
    findings: r.findings,
    nil: r.nil,
  };
}

function toPost(r: Selectable<ReportPostsTable>): StoredPost {
  return {
    key: r.key,
    kind: r.kind,
    chatId: r.chat_id,
    period: r.period,
    dueAt: r.due_at,
    claimedAt: r.claimed_at,
    sentAt: r.sent_at,
    late: r.late,
    text: r.text,
    mentions: r.mentions,
  };
}

/** ReportStore over PostgreSQL. */
export class PgReportStore implements ReportStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The ambient transaction when one runs (a command's, `PgUnitOfWork`), else the pool: a write
   * made inside a command commits or rolls back with it, and never waits on that command's own
   * locks from a second connection (which would deadlock it, e.g. `/报告 … 已报送`).
   */
  private get q(): Kysely<Database> {
    return currentTx()?.trx ?? this.db;
  }

  /**
   * Incidents with `reported_at < to` that were open at some point of `[from, to)` or have a
   * milestone due or a breach in it (a closure report is due after closing), plus their rows.
   * The incidents are the UNION of four arms, each an index range scan (migration 0010; an OR of
   * them read every incident ever reported), fetched by `id = ANY(ARRAY(…))` (primary-key probes);
   * the rows hanging off them are read by `= ANY($1::text[])`, one bind parameter whatever the
   * number of incidents.
   */
  async reportData(from: Date, to: Date): Promise<ReportData> {
    const windowIds = this.q
      .selectFrom('incidents as o')
      .select('o.id')
      .where('o.closed_at', 'is', null)
      .where('o.reported_at', '<', to)
      .union((eb) =>
        eb.selectFrom('incidents as c').select('c.id').where('c.closed_at', '>=', from).where('c.reported_at', '<', to),
      )
      .union((eb) =>
        eb
          .selectFrom('milestones as m')
          .select('m.incident_id as id')
          .where('m.due_at', '>=', from)
          .where('m.due_at', '<', to),
      )
      .union((eb) =>
        eb.selectFrom('breaches as b').select('b.incident_id as id').where('b.at', '>=', from).where('b.at', '<', to),
      );
    const incidents = (
      await this.q
        .selectFrom('incidents')
        .selectAll()
        // ANY(ARRAY(…)): primary-key probes for the ids (an IN (…) subquery was hash-joined against
        // every incident ever reported)
        .where('id', '=', sql<string>`ANY(ARRAY(${windowIds}))`)
        .where('reported_at', '<', to)
        .orderBy('reported_at')
        .orderBy('id')
        .execute()
    ).map(toIncident);
    const ids = incidents.map((i) => i.id);
    if (ids.length === 0)
      return { incidents, milestones: [], breaches: [], acknowledgements: [], assignments: [], lifecycle: [] };
    const [milestones, breaches, acks, assignments, ledger] = await Promise.all([
      this.q.selectFrom('milestones').selectAll().where('incident_id', '=', anyText(ids)).orderBy('due_at').execute(),
      this.q.selectFrom('breaches').selectAll().where('incident_id', '=', anyText(ids)).orderBy('at').execute(),
      this.q.selectFrom('acknowledgements').selectAll().where('incident_id', '=', anyText(ids)).orderBy('at').execute(),
      this.q.selectFrom('assignments').selectAll().where('incident_id', '=', anyText(ids)).orderBy('at').execute(),
      this.q
        .selectFrom('ledger_entries')
        .selectAll()
        .where('incident_id', '=', anyText(ids))
        .where('kind', 'in', LIFECYCLE)
        .where('at', '<', to)
        .orderBy('at')
        .orderBy('seq')
        .execute(),
    ]);
    return {
      incidents,
      milestones: milestones.map(toMilestone),
      breaches: breaches.map(toBreach),
      acknowledgements: acks.map(toAcknowledgement),
      assignments: assignments.map(toAssignment),
      lifecycle: ledger.map(toLedgerEntry),
    };
  }

  async *exportIncidents(f: ExportFilter, batchSize: number): AsyncIterable<ExportPage> {
    if (f.unitIds !== undefined && f.unitIds.length === 0) return;
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      let q = this.q.selectFrom('incidents').selectAll();
      if (f.from) q = q.where('reported_at', '>=', f.from);
      if (f.to) q = q.where('reported_at', '<', f.to);
      if (f.unitIds) q = q.where('unit_id', 'in', [...f.unitIds]);
      const a = after;
      // a row comparison, so the (reported_at, id) index is walked from the last row, not filtered
      if (a) q = q.where(sql<boolean>`(reported_at, id) > (${a.at}, ${a.id})`);
      const rows = await q.orderBy('reported_at').orderBy('id').limit(batchSize).execute();
      if (rows.length === 0) return;
      const incidents = rows.map(toIncident);
      const ids = incidents.map((i) => i.id);
      const [milestones, breaches, acks, assignments] = await Promise.all([
        this.q.selectFrom('milestones').selectAll().where('incident_id', 'in', ids).orderBy('due_at').execute(),
        this.q.selectFrom('breaches').selectAll().where('incident_id', 'in', ids).orderBy('at').execute(),
        this.q.selectFrom('acknowledgements').selectAll().where('incident_id', 'in', ids).orderBy('at').execute(),
        this.q.selectFrom('assignments').selectAll().where('incident_id', 'in', ids).orderBy('at').execute(),
      ]);
      yield {
        incidents,
        milestones: milestones.map(toMilestone),
        breaches: breaches.map(toBreach),
        acknowledgements: acks.map(toAcknowledgement),
        assignments: assignments.map(toAssignment),
      };
      if (rows.length < batchSize) return;
      const last = incidents[incidents.length - 1];
      after = { at: last.reportedAt, id: last.id };
    }
  }

  async *exportLedger(f: ExportFilter, batchSize: number): AsyncIterable<LedgerEntry[]> {
    if (f.unitIds !== undefined && f.unitIds.length === 0) return;
    const ofExport = (eb: ExpressionBuilder<Database, 'ledger_entries'>) => {
      let sub = eb.selectFrom('incidents as i').select('i.id').whereRef('i.id', '=', 'ledger_entries.incident_id');
      if (f.from) sub = sub.where('i.reported_at', '>=', f.from);
      if (f.to) sub = sub.where('i.reported_at', '<', f.to);
      if (f.unitIds) sub = sub.where('i.unit_id', 'in', [...f.unitIds]);
      return eb.exists(sub);
    };
    let after = 0;
    for (;;) {
      const rows = await this.q
        .selectFrom('ledger_entries')
        .selectAll()
        .where('incident_id', 'is not', null)
        .where('seq', '>', after)
        .where(ofExport)
        .orderBy('seq')
        .limit(batchSize)
        .execute();
      if (rows.length === 0) return;
      const entries = rows.map(toLedgerEntry);
      yield entries;
      if (rows.length < batchSize) return;
      after = entries[entries.length - 1].seq;
    }
  }

  async dutyReports(fromYmd: string, toYmd: string): Promise<DutyReport[]> {
    const rows = await this.q
      .selectFrom('duty_reports')
      .selectAll()
      .where('shift_date', '>=', fromYmd)
      .where('shift_date', '<=', toYmd)
      .orderBy('filed_at')
      .orderBy('id')
      .execute();
    return rows.map(toDuty);
  }

  async fileDutyReport(r: Omit<DutyReport, 'id'>): Promise<DutyReport> {
    const tx = currentTx();
    const run = async (trx: Kysely<Database>): Promise<DutyReport> => {
      const row = await trx
        .insertInto('duty_reports')
        .values({
          unit_id: r.unitId,
          shift_date: r.shiftDate,
          chat_id: r.chatId,
          filed_by: r.filedBy,
          filed_at: r.filedAt,
          platforms: r.platforms,
          findings: r.findings,
          nil: r.nil,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('ledger_entries')
        .values({
          incident_id: null,
          actor: r.filedBy,
          kind: 'duty.filed',
          at: r.filedAt,
          payload: JSON.stringify({
            dutyReportId: row.id,
            unitId: r.unitId,
            shiftDate: r.shiftDate,
            nil: r.nil,
            findings: r.findings,
          }),
        })
        .execute();
      return toDuty(row);
    };
    return tx ? run(tx.trx) : this.db.transaction().execute(run);
  }

  /** INSERT … ON CONFLICT DO NOTHING on the key and on (kind, chat, period). */
  async claimPost(c: PostClaim): Promise<boolean> {
    const row = await this.q
      .insertInto('report_posts')
      .values({
        key: c.key,
        kind: c.kind,
        chat_id: c.chatId,
        period: c.period,
        due_at: c.dueAt,
        claimed_at: c.claimedAt,
        sent_at: null,
        late: c.late,
        text: c.text,
        mentions: c.mentions,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async markPostSent(key: string, at: Date): Promise<void> {
    await this.q.updateTable('report_posts').set({ sent_at: at }).where('key', '=', key).execute();
  }

  async post(key: string): Promise<StoredPost | undefined> {
    const r = await this.q.selectFrom('report_posts').selectAll().where('key', '=', key).executeTakeFirst();
    return r ? toPost(r) : undefined;
  }

  async unsentPosts(before: Date): Promise<StoredPost[]> {
    const rows = await this.q
      .selectFrom('report_posts')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('claimed_at', '<', before)
      .orderBy('claimed_at')
      .execute();
    return rows.map(toPost);
  }

  async appendLedger(e: Omit<LedgerEntry, 'seq'>): Promise<void> {
    await this.q
      .insertInto('ledger_entries')
      .values({ incident_id: e.incidentId, actor: e.actor, kind: e.kind, at: e.at, payload: JSON.stringify(e.payload) })
      .execute();
  }
}
