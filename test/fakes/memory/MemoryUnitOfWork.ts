/**
 * An in-memory `UnitOfWork` / `IncidentRepo` (issue 7 item 7): the same port as src/store's
 * PostgreSQL implementation, for unit tests of the domain services without a database. It keeps
 * the port's contract as PgIncidentRepo documents it (ordering, once-only inserts, foreign keys as
 * `IncidentNotFoundError`, visibility filter via `inScope`); transactions run one at a time and
 * roll back (restore a copy of the state) when their function throws. Row locks are implicit
 * (transactions are serial).
 */
import type { DraftVersion, SignOff } from '../../../src/domain/approvals/types.js';
import type { EscalationSnapshot } from '../../../src/domain/milestones/escalation-snapshot.js';
import type {
  ChaseRun,
  DeliveryStatus,
  IncidentFilter,
  IncidentRepo,
  Notice,
  PlanWrite,
  UnitOfWork,
} from '../../../src/domain/ports.js';
import type {
  Acknowledgement,
  Assignment,
  Breach,
  Incident,
  LedgerEntry,
  MilestoneRecord,
  NewIncident,
  NewLedgerEntry,
} from '../../../src/domain/types.js';
import { inScope } from '../../../src/domain/visibility.js';
import { IncidentNotFoundError } from '../../../src/errors.js';
import { MemoryApprovalRepo } from './MemoryApprovalRepo.js';

interface State {
  incidents: Map<string, Incident>;
  counters: Map<string, number>;
  ledger: LedgerEntry[];
  seq: number;
  acks: Acknowledgement[];
  assignments: Assignment[];
  milestones: MilestoneRecord[];
  chaseSteps: Set<string>;
  breaches: Breach[];
  breachId: number;
  snapshots: Map<string, { incidentId: string; escalation: EscalationSnapshot; at: Date }>;
  versions: DraftVersion[];
  versionId: number;
  signOffs: SignOff[];
  signOffId: number;
  /** The outbox: one row per idempotency key (no platform fan-out here), all "queued". */
  outbox: Array<{ id: number; key: string; incidentId: string | null; notice: Notice; at: Date }>;
  /** Scheduler jobs queued in a transaction (`queueSchedulerJobs`, `PlanWrite.jobs`); nothing runs them here. */
  jobs: Array<{ name: string; runAt: Date; data: Record<string, unknown> }>;
}

function emptyState(): State {
  return {
    incidents: new Map(),
    counters: new Map(),
    ledger: [],
    seq: 0,
    acks: [],
    assignments: [],
    milestones: [],
    chaseSteps: new Set(),
    breaches: [],
    breachId: 0,
    snapshots: new Map(),
    versions: [],
    versionId: 0,
    signOffs: [],
    signOffId: 0,
    outbox: [],
    jobs: [],
  };
}

/**
 * Deep copy: Dates, arrays, Maps, Sets and plain objects (not `structuredClone`, whose Dates come
 * from another realm under jest's VM modules and fail `instanceof Date`).
 */
function clone<T>(x: T): T {
  if (x instanceof Date) return new Date(x.getTime()) as T;
  if (Array.isArray(x)) return x.map(clone) as T;
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [k, clone(v)])) as T;
  if (x instanceof Set) return new Set([...x].map(clone)) as T;
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, clone(v)])) as T;
  return x;
}
const copy = (s: State): State => clone(s);
const byTime = (a: Date, b: Date) => a.getTime() - b.getTime();

/** The repository over one `State`; every result is a copy, so callers cannot mutate stored rows. */
export class MemoryIncidentRepo implements IncidentRepo {
  /** Approvals (issue 8) over the same state. */
  readonly approvals: MemoryApprovalRepo;

  /** @param after the running transaction's after-commit list (undefined outside one). */
  constructor(
    private readonly s: () => State,
    private readonly after: () => Array<() => Promise<void>> | undefined = () => undefined,
  ) {
    this.approvals = new MemoryApprovalRepo(s);
  }

  async enqueueNotice(key: string, incidentId: string | null, notice: Notice, entry?: NewLedgerEntry): Promise<number> {
    const o = this.s().outbox;
    if (o.some((r) => r.key === key)) return 0;
    o.push({ id: o.length + 1, key, incidentId, notice: clone(notice), at: new Date() });
    if (entry) await this.appendLedger(entry);
    return 1;
  }
  async queueSchedulerJobs(
    name: string,
    jobs: ReadonlyArray<{ runAt: Date; data: Record<string, unknown> }>,
  ): Promise<void> {
    for (const j of jobs) this.s().jobs.push({ name, runAt: j.runAt, data: { ...j.data } });
  }
  afterCommit(cb: () => Promise<void>): void {
    const list = this.after();
    if (list) list.push(cb);
    else void cb().catch(() => undefined);
  }
  async deliveries(incidentId: string): Promise<DeliveryStatus[]> {
    return this.s()
      .outbox.filter((r) => r.incidentId === incidentId)
      .map((r) => ({
        id: r.id,
        key: r.key,
        platform: 'memory',
        state: 'queued' as const,
        attempts: 0,
        createdAt: r.at,
        sentAt: null,
        lastError: null,
      }));
  }

  private need(id: string): Incident {
    const i = this.s().incidents.get(id);
    if (!i) throw new IncidentNotFoundError(id);
    return i;
  }

  async nextIncidentId(yyyymmdd: string): Promise<string> {
    if (!/^\d{8}$/.test(yyyymmdd)) throw new Error(`nextIncidentId: business date must be yyyymmdd, got "${yyyymmdd}"`);
    const n = (this.s().counters.get(yyyymmdd) ?? 0) + 1;
    this.s().counters.set(yyyymmdd, n);
    return `YQ-${yyyymmdd}-${String(n).padStart(3, '0')}`;
  }
  async insertIncident(i: NewIncident, entry?: NewLedgerEntry): Promise<Incident> {
    if (this.s().incidents.has(i.id)) throw new Error(`duplicate incident id ${i.id}`);
    const now = new Date();
    const row: Incident = { ...clone(i), createdAt: now, updatedAt: now };
    this.s().incidents.set(i.id, row);
    if (entry) await this.appendLedger(entry);
    return clone(row);
  }
  async getIncident(id: string): Promise<Incident | undefined> {
    const i = this.s().incidents.get(id);
    return i ? clone(i) : undefined;
  }
  async updateIncident(
    id: string,
    patch: Partial<Omit<Incident, 'id' | 'createdAt' | 'updatedAt'>>,
  ): Promise<Incident> {
    const row = { ...this.need(id), ...clone(patch), updatedAt: new Date() };
    this.s().incidents.set(id, row);
    return clone(row);
  }
  async listIncidents(f: IncidentFilter): Promise<Incident[]> {
    let xs = [...this.s().incidents.values()];
    if (f.chatId !== undefined) xs = xs.filter((i) => i.chatId === f.chatId);
    if (f.unitId !== undefined) xs = xs.filter((i) => i.unitId === f.unitId);
    if (f.statuses !== undefined) xs = xs.filter((i) => f.statuses!.includes(i.status));
    if (f.reportedFrom !== undefined) xs = xs.filter((i) => i.reportedAt >= f.reportedFrom!);
    if (f.reportedTo !== undefined) xs = xs.filter((i) => i.reportedAt < f.reportedTo!);
    const scope = f.visibleIn;
    if (scope !== undefined) {
      const assignees = (id: string) =>
        this.s()
          .assignments.filter((a) => a.incidentId === id)
          .map((a) => a.personId);
      xs = xs.filter((i) => inScope(scope, { ...i, assigneeIds: assignees(i.id) }));
    }
    const overdueAt = f.overdueAt;
    if (overdueAt !== undefined)
      xs = xs.filter((i) =>
        this.s().milestones.some((m) => m.incidentId === i.id && m.state === 'open' && m.dueAt < overdueAt),
      );
    xs.sort((a, b) => byTime(b.reportedAt, a.reportedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    if (f.limit !== undefined) xs = xs.slice(0, Math.max(0, Math.floor(f.limit)));
    return xs.map(clone);
  }

  async appendLedger(e: NewLedgerEntry): Promise<LedgerEntry> {
    if (e.incidentId !== null) this.need(e.incidentId);
    const entry: LedgerEntry = { ...clone(e), seq: ++this.s().seq };
    this.s().ledger.push(entry);
    return clone(entry);
  }
  async ledgerTail(
    incidentId: string,
    limit: number,
    hiddenKinds: readonly string[],
  ): Promise<{ entries: LedgerEntry[]; total: number }> {
    const visible = (await this.ledger(incidentId)).filter((e) => !hiddenKinds.includes(e.kind));
    return { entries: limit > 0 ? visible.slice(-limit) : [], total: visible.length };
  }
  async ledger(incidentId: string): Promise<LedgerEntry[]> {
    return this.sortedLedger().filter((e) => e.incidentId === incidentId);
  }
  async ledgerBetween(from: Date, to: Date): Promise<LedgerEntry[]> {
    return this.sortedLedger().filter((e) => e.at >= from && e.at < to);
  }
  private sortedLedger(): LedgerEntry[] {
    return [...this.s().ledger].sort((a, b) => byTime(a.at, b.at) || a.seq - b.seq).map(clone);
  }

  async acknowledge(a: Acknowledgement): Promise<boolean> {
    this.need(a.incidentId);
    if (this.s().acks.some((x) => x.incidentId === a.incidentId && x.personId === a.personId)) return false;
    this.s().acks.push(clone(a));
    return true;
  }
  async acknowledgements(incidentId: string): Promise<Acknowledgement[]> {
    return this.s()
      .acks.filter((a) => a.incidentId === incidentId)
      .sort((a, b) => byTime(a.at, b.at) || a.personId.localeCompare(b.personId))
      .map(clone);
  }
  async assign(a: Assignment): Promise<boolean> {
    this.need(a.incidentId);
    const same = (x: Assignment) => x.incidentId === a.incidentId && x.personId === a.personId && x.role === a.role;
    if (this.s().assignments.some(same)) return false;
    this.s().assignments.push(clone(a));
    return true;
  }
  async assignments(incidentId: string): Promise<Assignment[]> {
    return this.s()
      .assignments.filter((a) => a.incidentId === incidentId)
      .sort((a, b) => byTime(a.at, b.at) || a.personId.localeCompare(b.personId) || a.role.localeCompare(b.role))
      .map(clone);
  }

  async replaceOpenMilestones(incidentId: string, records: MilestoneRecord[]): Promise<void> {
    const stray = records.find((r) => r.incidentId !== incidentId);
    if (stray)
      throw new Error(`replaceOpenMilestones: record ${stray.key} belongs to ${stray.incidentId}, not ${incidentId}`);
    const st = this.s();
    st.milestones = st.milestones.filter((m) => !(m.incidentId === incidentId && m.state === 'open'));
    if (records.length === 0) return;
    this.need(incidentId);
    for (const r of records) {
      const at = st.milestones.findIndex((m) => m.incidentId === incidentId && m.key === r.key);
      if (at < 0) st.milestones.push(clone(r));
      else if (st.milestones[at].state === 'cancelled') st.milestones[at] = clone(r);
      // a met one is kept
    }
  }
  async savePlan(p: PlanWrite): Promise<void> {
    this.need(p.incidentId);
    await this.replaceOpenMilestones(p.incidentId, p.open);
    await this.updateIncident(p.incidentId, { planId: p.planId });
    await this.savePlanSnapshot(p.planId, p.incidentId, p.escalation, p.at);
    await this.appendLedger(p.entry);
    if (p.jobs) await this.queueSchedulerJobs(p.jobs.name, p.jobs.jobs);
  }
  async milestones(incidentId: string): Promise<MilestoneRecord[]> {
    return this.s()
      .milestones.filter((m) => m.incidentId === incidentId)
      .sort((a, b) => byTime(a.dueAt, b.dueAt) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(clone);
  }
  private milestone(incidentId: string, key: string): MilestoneRecord | undefined {
    return this.s().milestones.find((m) => m.incidentId === incidentId && m.key === key);
  }
  async markMilestoneMet(incidentId: string, key: string, by: string, at: Date): Promise<boolean> {
    const m = this.milestone(incidentId, key);
    if (m?.state !== 'open') return false;
    Object.assign(m, { state: 'met', metAt: new Date(at), metBy: by });
    return true;
  }
  async markMilestoneBreached(incidentId: string, key: string, at: Date): Promise<boolean> {
    const m = this.milestone(incidentId, key);
    if (!m || m.breachedAt !== null) return false;
    m.breachedAt = new Date(at);
    return true;
  }
  async cancelOpenMilestones(incidentId: string): Promise<void> {
    for (const m of this.s().milestones) if (m.incidentId === incidentId && m.state === 'open') m.state = 'cancelled';
  }
  async claimChaseStep(incidentId: string, milestoneKey: string, step: string, planId: string): Promise<boolean> {
    this.need(incidentId);
    const k = JSON.stringify([incidentId, milestoneKey, step, planId]);
    if (this.s().chaseSteps.has(k)) return false;
    this.s().chaseSteps.add(k);
    return true;
  }
  async activeOpenMilestones(): Promise<ChaseRun[]> {
    return this.s()
      .milestones.filter((m) => m.state === 'open' && this.s().incidents.get(m.incidentId)?.planId === m.planId)
      .sort(
        (a, b) =>
          byTime(a.dueAt, b.dueAt) ||
          a.incidentId.localeCompare(b.incidentId) ||
          (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      )
      .map((m) => ({ incidentId: m.incidentId, key: m.key, planId: m.planId }));
  }
  async savePlanSnapshot(planId: string, incidentId: string, escalation: EscalationSnapshot, at: Date): Promise<void> {
    this.need(incidentId);
    if (!this.s().snapshots.has(planId))
      this.s().snapshots.set(planId, { incidentId, escalation: clone(escalation), at });
  }
  async planSnapshot(planId: string): Promise<EscalationSnapshot | undefined> {
    const s = this.s().snapshots.get(planId);
    return s ? clone(s.escalation) : undefined;
  }
  async insertBreach(b: Omit<Breach, 'id'>): Promise<Breach> {
    this.need(b.incidentId);
    const row: Breach = { ...clone(b), id: ++this.s().breachId };
    this.s().breaches.push(row);
    return clone(row);
  }
  async breaches(incidentId: string): Promise<Breach[]> {
    return this.s()
      .breaches.filter((b) => b.incidentId === incidentId)
      .sort((a, b) => byTime(a.at, b.at) || a.id - b.id)
      .map(clone);
  }
  async updateBreachGrade(
    id: number,
    grade: Breach['grade'],
    by: string,
    note: string | null,
  ): Promise<Breach | undefined> {
    const b = this.s().breaches.find((x) => x.id === id);
    if (!b) return undefined;
    Object.assign(b, { grade, gradedBy: by, note });
    return clone(b);
  }
}

/** The in-memory unit of work: serial transactions with rollback. `repo` reads the committed state. */
export class MemoryUnitOfWork implements UnitOfWork {
  private state = emptyState();
  private tail: Promise<unknown> = Promise.resolve();
  private after: Array<() => Promise<void>> | undefined;
  readonly repo: IncidentRepo = new MemoryIncidentRepo(
    () => this.state,
    () => this.after,
  );

  /** Runs `fn` alone; rolls back when it throws; then the after-commit callbacks (`IncidentRepo.afterCommit`). */
  transaction<T>(fn: (repo: IncidentRepo) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const before = copy(this.state);
      const after: Array<() => Promise<void>> = [];
      this.after = after;
      let out: T;
      try {
        out = await fn(this.repo);
      } catch (e) {
        this.state = before;
        throw e;
      } finally {
        this.after = undefined;
      }
      return { out, after };
    });
    this.tail = run.catch(() => undefined);
    return run.then(async ({ out, after }) => {
      for (const cb of after) await cb();
      return out;
    });
  }
}
