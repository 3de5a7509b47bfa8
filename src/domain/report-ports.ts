/**
 * Ports of the reports (issue 9): what the rollup, weekly/monthly reports, duty reports and
 * assessment read from and write to the store. Only types here; `store/PgReportStore.ts`
 * implements them. Everything is read from the ledger and the milestone, breach and
 * acknowledgement tables, never from counters kept on the side.
 */
import type { Acknowledgement, Assignment, Breach, Incident, LedgerEntry, MilestoneRecord } from './types.js';

/** Everything about the incidents that matter for a period, as stored. */
export interface ReportData {
  /**
   * Incidents reported before the period's end that were not closed before its start, or that have
   * a milestone due or a breach within it.
   */
  incidents: Incident[];
  milestones: MilestoneRecord[];
  breaches: Breach[];
  acknowledgements: Acknowledgement[];
  assignments: Assignment[];
  /** Lifecycle ledger entries of those incidents before the period's end, oldest first. */
  lifecycle: LedgerEntry[];
}

/** A duty shift's report (值班报告, domain.md "Monitoring and duty"). */
export interface DutyReport {
  id: number;
  unitId: string;
  /** Business date the shift starts on, `YYYY-MM-DD`. */
  shiftDate: string;
  chatId: string | null;
  filedBy: string;
  filedAt: Date;
  platforms: string[];
  /** What was found; for a nil report the standard "未发现新的重大负面舆情". */
  findings: string;
  /** True when nothing was found (a nil report still counts as filed). */
  nil: boolean;
}

/** A scheduled post claimed once (exactly-once per idempotency key). */
export interface PostClaim {
  /** Idempotency key, e.g. `rollup:relief:2026-11-30`, `weekly:leaders:2026-W48`. */
  key: string;
  kind: 'rollup' | 'weekly' | 'monthly' | 'duty_chase';
  chatId: string;
  /** The period: business date, ISO week or `YYYY-MM`. */
  period: string;
  /** When it was due (its slot). */
  dueAt: Date;
  claimedAt: Date;
  late: boolean;
  text: string;
  mentions: string[];
}

/** A claimed post as stored, with its delivery time once sent. */
export interface StoredPost extends PostClaim {
  sentAt: Date | null;
}

/**
 * Which incidents the 台账 export covers (issue 11 item 3): reported in `[from, to)` (either end
 * open when unset), of `unitIds` (exact ids, already the viewer's scope; unset: every unit).
 */
export interface ExportFilter {
  from?: Date;
  to?: Date;
  unitIds?: readonly string[];
}

/** One page of the export: incidents (oldest report first) with the rows hanging off them. */
export interface ExportPage {
  incidents: Incident[];
  milestones: MilestoneRecord[];
  breaches: Breach[];
  acknowledgements: Acknowledgement[];
  assignments: Assignment[];
}

/** Store access for the reports. */
export interface ReportStore {
  /** Incidents relevant to `[from, to)` (see `ReportData.incidents`) with all that hangs off them. */
  reportData(from: Date, to: Date): Promise<ReportData>;
  /** Duty reports of shifts starting on business dates in `[fromYmd, toYmd]`, oldest first. */
  dutyReports(fromYmd: string, toYmd: string): Promise<DutyReport[]>;
  /** Files a duty report and its ledger entry (`duty.filed`, no incident) in one transaction. */
  fileDutyReport(r: Omit<DutyReport, 'id'>): Promise<DutyReport>;
  /**
   * Claims a post exactly once: inserts the claim and returns true, or returns false when the key
   * was claimed before (by this or another instance). The claim row keeps the text, so a crash
   * between claim and send can be retried (`unsentPosts`); with the outbox, the outbox row with the
   * same key is written in this same transaction instead.
   */
  claimPost(claim: PostClaim): Promise<boolean>;
  /** Records that a claimed post was delivered. */
  markPostSent(key: string, at: Date): Promise<void>;
  /** A claimed post by key. */
  post(key: string): Promise<StoredPost | undefined>;
  /** Claimed posts never marked sent whose claim is older than `before` (a crash mid-send). */
  unsentPosts(before: Date): Promise<StoredPost[]>;
  /**
   * The export's incidents page by page (keyset on report time and id, `batchSize` per round trip),
   * so a year of data is never in memory at once.
   */
  exportIncidents(f: ExportFilter, batchSize: number): AsyncIterable<ExportPage>;
  /** Every ledger entry of the export's incidents, page by page in `seq` order. */
  exportLedger(f: ExportFilter, batchSize: number): AsyncIterable<LedgerEntry[]>;
  /** Appends a ledger entry about an incident outside any other transaction (`report.submitted`). */
  appendLedger(e: Omit<LedgerEntry, 'seq'>): Promise<void>;
}
