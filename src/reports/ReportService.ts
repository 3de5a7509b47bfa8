/**
 * The report use cases (issue 9): the daily rollup of a chat, the weekly and monthly reports,
 * duty reports and their state. Reads through the `ReportStore` port; rules it needs live
 * elsewhere and are called, not copied: what a chat sees (`domain/visibility.ts`), who is
 * responsible and the effective level (`domain/responsibility.ts`). Figures are pure
 * (`figures.ts`), texts too (`rollup.ts`, `periodic.ts`).
 */
import type { Directory } from '../domain/Directory.js';
import type { WorkingCalendar } from '../domain/calendar.js';
import type { Actor } from '../domain/incident-events.js';
import type { DutyReport, ExportFilter, ReportData, ReportStore } from '../domain/report-ports.js';
import { incidentPeople, responsibleIds } from '../domain/responsibility.js';
import type { Incident } from '../domain/types.js';
import { inScope, type Viewer, viewerOf, visibilityScope } from '../domain/visibility.js';
import { ForbiddenError, NotFoundError, UsageError } from '../errors.js';
import { type AssessmentFigures, type AssessmentSubject, assessmentFigures, assessmentText } from './assessment.js';
import { type ChartFigures, chartFigures } from './dashboard.js';
import { dayFigures } from './figures.js';
import { businessDate, monthPeriod, type Period, rollupWindow, shiftOf } from './period.js';
import { periodicReport } from './periodic.js';
import { combinedRollup, type DutyState, type RenderedPost, unitRollup } from './rollup.js';

/**
 * The incidents among `incidentIds` with a statement or plan awaiting approval at `asOf` (the
 * rollup's 待审批; an incident with both counts once, like every other rollup count; issue 8
 * approvals, app.ts wires `ApprovalService.awaitingAt`: one read for any number of ids).
 */
export type AwaitingApproval = (incidentIds: string[], asOf: Date) => Promise<ReadonlySet<string>>;

/** What the report service is built with. */
export interface ReportServiceDeps {
  store: ReportStore;
  directory: Directory;
  calendar: WorkingCalendar;
  /** 待审批 (issue 8 approvals); default none awaiting. */
  awaitingApproval?: AwaitingApproval;
  /**
   * Monotonic milliseconds, for the age of the round's shared load (config `rollup.reuseSeconds`);
   * default `performance.now()`. Not the domain clock: the age is of data read from the database.
   */
  monotonicMs?: () => number;
}

/**
 * What one posting round renders from: the organisation-wide data of a rollup window as of its
 * cut, and the duty reports of the shift containing the cut. Read-only once loaded.
 */
interface RoundData {
  data: ReportData;
  duty: DutyReport[];
  /** Shared rounds only: which incidents of `data` await approval at the cut, read once when first asked. */
  awaiting?: Promise<ReadonlySet<string>>;
  shared: boolean;
}

/** The standard nil finding of a duty report (domain.md "Monitoring and duty"). */
export const NIL_FINDING = '未发现新的重大负面舆情';

/** The usage line of `/值班` (shown when its findings are missing). */
export const DUTY_USAGE = '/值班 <检查情况> [平台:微博,抖音]';

export class ReportService {
  /** The latest round's shared load (one entry: a new window replaces it); see `roundData`. */
  private round: { key: string; loadedAtMs: number; load: Promise<RoundData> } | undefined;

  constructor(private readonly deps: ReportServiceDeps) {}

  private get dir(): Directory {
    return this.deps.directory;
  }

  /** Whether business date `ymd` is a statutory rest day (the working-day calendar port). */
  isRestDay(ymd: string): boolean {
    return !this.deps.calendar.isWorkday(ymd);
  }

  /** Which incidents a group chat's report covers: what the chat sees (confidentiality rule, called). */
  chatScope(chatId: string, data: ReportData): (i: Incident) => boolean {
    return this.scopeOf(viewerOf(chatId, null), data);
  }

  /** Which incidents of `data` a viewer sees (domain/visibility.ts, called; assignees from `data`). */
  scopeOf(viewer: Viewer, data: ReportData): (i: Incident) => boolean {
    const scope = visibilityScope(this.dir, viewer);
    // only a person's scope reads assignees (VisibilityFacts.assigneeIds); the rule stays inScope's
    if (scope.all || scope.personId === null) return (i) => inScope(scope, i);
    const assignees = this.assignees(data);
    return (i) =>
      inScope(scope, { unitId: i.unitId, chatId: i.chatId, reporterId: i.reporterId, assigneeIds: assignees(i.id) });
  }

  /**
   * The dashboard's charts (issue 11 item 2) for the incidents `viewer` sees, over `period`, as
   * they stand at `asOf` (figures of `dashboard.ts`, over the same reads as the chat reports).
   * @param ackBucketsMinutes config `dashboard.ackBucketsMinutes`.
   */
  async charts(
    viewer: Viewer,
    period: Pick<Period, 'from' | 'to'>,
    asOf: Date,
    ackBucketsMinutes: readonly number[],
  ): Promise<ChartFigures> {
    const data = await this.deps.store.reportData(period.from, period.to);
    return chartFigures(this.dir, { data, visible: this.scopeOf(viewer, data), period, asOf, ackBucketsMinutes });
  }

  /**
   * The assessment table of month `ym` (issue 11 item 2; the figures of `/考核`, issue 9 item 5):
   * one row per unit the viewer sees (with its sub-units) and per person holding a role in one,
   * computed only over the incidents the viewer sees, as they stand at `now`.
   * @throws RangeError for a malformed month.
   */
  async assessmentTable(
    viewer: Viewer,
    ym: string,
    now: Date,
  ): Promise<{
    units: Array<{ unitId: string; name: string; figures: AssessmentFigures }>;
    people: Array<{ personId: string; name: string; figures: AssessmentFigures }>;
  }> {
    const period = monthPeriod(ym, this.dir.timezone);
    const all = await this.deps.store.reportData(period.from, period.to);
    const visible = this.scopeOf(viewer, all);
    const ids = new Set(all.incidents.filter(visible).map((i) => i.id));
    const data: ReportData = {
      incidents: all.incidents.filter((i) => ids.has(i.id)),
      milestones: all.milestones.filter((m) => ids.has(m.incidentId)),
      breaches: all.breaches.filter((b) => ids.has(b.incidentId)),
      acknowledgements: all.acknowledgements.filter((a) => ids.has(a.incidentId)),
      assignments: all.assignments.filter((a) => ids.has(a.incidentId)),
      lifecycle: all.lifecycle.filter((e) => e.incidentId !== null && ids.has(e.incidentId)),
    };
    const scope = visibilityScope(this.dir, viewer);
    const units = this.dir.allUnits().filter((u) => scope.all || scope.unitIds.includes(u.id));
    const duty = await this.deps.store.dutyReports(`${ym}-01`, `${ym}-31`);
    const assignees = this.assignees(data);
    const responsible = new Map(
      data.incidents.map((i) => [i.id, responsibleIds(incidentPeople(this.dir, i, assignees(i.id)))]),
    );
    const figures = (subject: AssessmentSubject) =>
      assessmentFigures(this.dir, {
        data,
        subject,
        period,
        asOf: now,
        responsible,
        dutyUnits: this.dutyUnits(),
        duty,
      });
    // a unit's viewer: the people holding a role of its units (not the leadership group's members,
    // who belong to every unit); everyone's figures count only the incidents the viewer sees
    const unitRole = (r: string) => scope.all || !['leadershipGroup', 'upperAuthority'].includes(r);
    const people = this.dir.allPeople().filter((p) => units.some((u) => this.dir.rolesOf(p.id, u.id).some(unitRole)));
    return {
      units: units.map((u) => ({ unitId: u.id, name: u.name, figures: figures({ kind: 'unit', unitId: u.id }) })),
      people: people.map((p) => ({
        personId: p.id,
        name: p.name,
        figures: figures({ kind: 'person', personId: p.id }),
      })),
    };
  }

  /**
   * The export's filter for `viewer` (issue 11 item 3): incidents reported in `[from, to)` of
   * `unitId` with its sub-units (default all), intersected with what the viewer sees. Web viewers
   * are `system` (ADMIN_TOKEN) or a unit (`dashboard.viewers[]`); a chat or person viewer is scoped
   * by units only.
   * @throws NotFoundError for an unknown unit.
   */
  exportFilter(viewer: Viewer, o: { from?: Date; to?: Date; unitId?: string }): ExportFilter {
    if (o.unitId !== undefined && !this.dir.unit(o.unitId)) throw new NotFoundError(`未知的单位：${o.unitId}`);
    const scope = visibilityScope(this.dir, viewer);
    const asked = o.unitId !== undefined ? this.dir.subtree(o.unitId) : undefined;
    const unitIds = scope.all ? asked : (asked ?? scope.unitIds).filter((u) => scope.unitIds.includes(u));
    return { from: o.from, to: o.to, unitIds };
  }

  /** Assignees by incident, grouped once per `data` (a round's shared load serves every chat). */
  private readonly assigneesOf = new WeakMap<ReportData, Map<string, string[]>>();

  private assignees(data: ReportData): (incidentId: string) => string[] {
    let by = this.assigneesOf.get(data);
    if (!by) {
      by = new Map();
      for (const a of data.assignments) {
        const list = by.get(a.incidentId);
        if (list) list.push(a.personId);
        else by.set(a.incidentId, [a.personId]);
      }
      this.assigneesOf.set(data, by);
    }
    const grouped = by;
    return (id) => grouped.get(id) ?? [];
  }

  /** Units whose duty shifts are tracked: those with a bound group chat. */
  dutyUnits(): string[] {
    return [...new Set(this.dir.allChats().map((c) => c.unit))];
  }

  /**
   * Duty state of units for the shift containing `at`: the reports filed for it by `at`.
   * @param loaded that shift's duty reports when already read (a round's shared load), else read here.
   */
  async dutyStates(unitIds: string[], at: Date, loaded?: DutyReport[]): Promise<Map<string, DutyState>> {
    const shift = shiftOf(at, this.dir.reportSettings().duty.shiftStart, this.dir.timezone);
    const reports = loaded ?? (await this.deps.store.dutyReports(shift.date, shift.date));
    return new Map(
      unitIds.map((u) => [
        u,
        { unitId: u, shiftDate: shift.date, reports: reports.filter((r) => r.unitId === u && r.filedAt <= at) },
      ]),
    );
  }

  /**
   * The organisation-wide data a rollup of `window` as of `asOf` renders from. With `shared` (the
   * scheduled posts of one cut, `ReportPoster.post`) one load serves every post asking for the same
   * window and `asOf` within config `rollup.reuseSeconds` of its start (concurrent posts wait for
   * the same load; a failed load is not kept, nor one older than that age); a later cut, or the
   * same one after that age, loads afresh. Without `shared` (`/日报` on demand) it always loads.
   * Each chat's scope is applied to the result by the caller (domain/visibility.ts), so sharing
   * never widens what a chat sees.
   */
  private roundData(window: Period, asOf: Date, shared: boolean): Promise<RoundData> {
    const reuseMs = this.dir.reportSettings().rollup.reuseSeconds * 1000;
    const reused = shared && reuseMs > 0;
    const load = async (): Promise<RoundData> => {
      const shift = shiftOf(asOf, this.dir.reportSettings().duty.shiftStart, this.dir.timezone);
      const [data, duty] = await Promise.all([
        this.deps.store.reportData(window.from, asOf),
        this.deps.store.dutyReports(shift.date, shift.date),
      ]);
      return { data, duty, shared: reused };
    };
    if (!reused) return load();
    const nowMs = (this.deps.monotonicMs ?? (() => performance.now()))();
    const key = `${window.from.toISOString()}|${asOf.toISOString()}`;
    const r = this.round;
    if (r && r.key === key && nowMs - r.loadedAtMs < reuseMs) return r.load;
    const entry = { key, loadedAtMs: nowMs, load: load() };
    this.round = entry;
    const forget = () => {
      if (this.round === entry) this.round = undefined;
    };
    entry.load.catch(forget);
    // not kept past its age: a province's day is megabytes, and the next round is a day away
    setTimeout(forget, reuseMs).unref();
    return entry.load;
  }

  /**
   * How many of `openIds` await approval at `asOf`: in a shared round from one read over every
   * incident of the round's data (kept with it; a failed read is not kept), else over `openIds`.
   */
  private async awaitingCount(round: RoundData, openIds: string[], asOf: Date): Promise<number> {
    const read = this.deps.awaitingApproval;
    if (!read || openIds.length === 0) return 0;
    let awaiting: ReadonlySet<string>;
    if (round.shared) {
      if (!round.awaiting) {
        const p = read(
          round.data.incidents.map((i) => i.id),
          asOf,
        );
        round.awaiting = p;
        p.catch(() => {
          if (round.awaiting === p) round.awaiting = undefined;
        });
      }
      awaiting = await round.awaiting;
    } else awaiting = await read(openIds, asOf);
    return openIds.filter((id) => awaiting.has(id)).length;
  }

  /**
   * The rollup of business date `ymd` for a chat (issue 9 item 1), as of `asOf` (default the cut:
   * config `rollup.time`, business time). The leadership group's chat gets the combined rollup with a
   * line per unit; any other chat the day of its unit and sub-units (what it sees).
   * @param late set for a catch-up post: the text says 补发 and when it was due.
   * @param shared set by the scheduled post of a round: render from the round's shared load (see
   *   `roundData`; config `rollup.reuseSeconds`); unset (on demand), the data is read for this call.
   * @throws NotFoundError for an unknown chat.
   */
  async daily(
    chatId: string,
    ymd: string,
    opts: { asOf?: Date; late?: { dueAt: Date }; shared?: boolean } = {},
  ): Promise<RenderedPost> {
    const chat = this.dir.chat(chatId);
    if (!chat) throw new NotFoundError(`未知的群：${chatId}`);
    const tz = this.dir.timezone;
    const window = rollupWindow(ymd, this.dir.reportSettings().rollup.time, tz);
    const asOf = opts.asOf && opts.asOf < window.to ? opts.asOf : window.to;
    const running = asOf < window.to ? { from: window.from, to: window.to } : undefined;
    const round = await this.roundData(window, asOf, opts.shared === true);
    const { data, duty: dutyReports } = round;
    const awaiting = (openIds: string[]) => this.awaitingCount(round, openIds, asOf);
    if (chat.id === this.dir.leadershipChatId()) {
      const total = dayFigures(data, () => true, window, asOf);
      const units = this.dir.allUnits().map((u) => u.id);
      const dutyUnits = new Set(this.dutyUnits());
      const duty = await this.dutyStates(
        units.filter((u) => dutyUnits.has(u)),
        asOf,
        dutyReports,
      );
      return combinedRollup(this.dir, {
        ymd,
        total,
        perUnit: units.map((u) => ({
          unitId: u,
          figures: dayFigures(data, (i) => i.unitId === u, window, asOf),
          duty: duty.get(u),
        })),
        asOf,
        awaitingApproval: await awaiting(total.open.map((i) => i.id)),
        late: opts.late,
        running,
      });
    }
    const scope = this.chatScope(chat.id, data);
    const figures = dayFigures(data, scope, window, asOf);
    const duty = (await this.dutyStates([chat.unit], asOf, dutyReports)).get(chat.unit);
    return unitRollup(this.dir, {
      ymd,
      unitName: this.dir.unit(chat.unit)?.name ?? chat.unit,
      figures,
      asOf,
      awaitingApproval: await awaiting(figures.open.map((i) => i.id)),
      duty,
      late: opts.late,
      running,
    });
  }

  /**
   * The weekly or monthly report for a chat (issue 9 item 2): figures of incidents the chat sees,
   * for `period`, as they stand at `asOf`.
   * @throws NotFoundError for an unknown chat.
   */
  async periodic(
    kind: 'weekly' | 'monthly',
    chatId: string,
    period: Period,
    asOf: Date,
    opts: { late?: { dueAt: Date } } = {},
  ): Promise<RenderedPost> {
    const chat = this.dir.chat(chatId);
    if (!chat) throw new NotFoundError(`未知的群：${chatId}`);
    const data = await this.deps.store.reportData(period.from, period.to);
    const scope = this.chatScope(chat.id, data);
    return periodicReport(this.dir, { kind, period, asOf, data, scope, late: opts.late });
  }

  /**
   * Files the current shift's duty report (`/值班`, issue 9 item 4). 无/正常/未发现 files a nil report ("未发现新的重大负面舆情"). `平台:微博,抖音` names the platforms checked
   * (default config `duty.platforms`). A report filed within `duty.graceMinutes` after a shift's
   * end, while that ended shift has no report of the unit, counts for the ended shift (`late`:
   * 逾期补报; domain.md "Monitoring and duty": a shift ends with its report); otherwise for the
   * current shift.
   * @throws UsageError outside a group chat, for no findings at all (a bare `/值班`) or a text over
   *   2000 characters; ForbiddenError for
   *   a sender not in `people[]`.
   */
  async fileDuty(
    actor: Actor,
    chatId: string | null,
    text: string,
    now: Date,
  ): Promise<DutyReport & { late: boolean }> {
    const chat = chatId ? this.dir.chat(chatId) : undefined;
    if (!chat) throw new UsageError('请在本单位的工作群里发送值班报告。');
    if (!actor.personId) throw new ForbiddenError('您不在本单位通讯录中，不能提交值班报告。');
    let rest = text.trim();
    if ([...rest].length > 2000) throw new UsageError(`检查情况过长（${[...rest].length} 字），请控制在 2000 字以内。`);
    let platforms = this.dir.reportSettings().duty.platforms;
    const m = /(?:^|\s)(?:平台|platforms?)[:：](\S+)/i.exec(rest);
    if (m) {
      platforms = m[1].split(/[,，、]/).filter(Boolean);
      rest = (rest.slice(0, m.index) + rest.slice(m.index + m[0].length)).trim();
    }
    // a bare /值班 is someone asking how, not a report: the nil report is said explicitly (/值班 无)
    if (rest === '') throw new UsageError('请写明检查情况；无发现请发送 /值班 无。', DUTY_USAGE);
    const nil = /^(无|正常|未发现|无异常|nil|none)[。.]?$/i.test(rest);
    const duty = this.dir.reportSettings().duty;
    const current = shiftOf(now, duty.shiftStart, this.dir.timezone);
    let shiftDate = current.date;
    let late = false;
    if (now.getTime() - current.from.getTime() < duty.graceMinutes * 60_000) {
      const ended = shiftOf(new Date(current.from.getTime() - 1), duty.shiftStart, this.dir.timezone);
      const filed = await this.deps.store.dutyReports(ended.date, ended.date);
      if (!filed.some((r) => r.unitId === chat.unit)) {
        shiftDate = ended.date;
        late = true;
      }
    }
    const report = await this.deps.store.fileDutyReport({
      unitId: chat.unit,
      shiftDate,
      chatId: chat.id,
      filedBy: actor.personId,
      filedAt: now,
      platforms,
      findings: nil ? NIL_FINDING : rest,
      nil,
    });
    return { ...report, late };
  }

  /**
   * The assessment (考核, issue 9 item 5) of a unit (with sub-units) or a person for month `ym`,
   * as it stands at `now`. Privileged: config `permissions.assess` for the subject's unit
   * (a person's: the units where they hold a role, else the chat's); anyone may see their own.
   * @throws ForbiddenError without the privilege; NotFoundError for an unknown unit.
   */
  async assessment(actor: Actor, subject: AssessmentSubject, ym: string, now: Date): Promise<string> {
    const self = subject.kind === 'person' && subject.personId === actor.personId;
    const units =
      subject.kind === 'unit'
        ? [subject.unitId]
        : this.dir
            .allUnits()
            .filter((u) => this.dir.rolesOf(subject.personId, u.id).length > 0)
            .map((u) => u.id);
    if (subject.kind === 'unit' && !this.dir.unit(subject.unitId))
      throw new NotFoundError(`未知的单位：${subject.unitId}`);
    const rootUnits = this.dir
      .allUnits()
      .filter((u) => !u.parent)
      .map((u) => u.id);
    const may = self || (units.length ? units : rootUnits).every((u) => this.dir.may(actor.personId, u, 'assess'));
    if (!may) throw new ForbiddenError('您没有查看该考核结果的权限（由责任人、办公室或领导小组查看）。');
    const period = monthPeriod(ym, this.dir.timezone);
    // Outcomes as they stand now: a step met after the month still counts as late, not missed.
    const asOf = now;
    const data = await this.deps.store.reportData(period.from, period.to);
    const responsible = new Map<string, string[]>();
    const assignees = this.assignees(data);
    if (subject.kind === 'person')
      for (const i of data.incidents)
        responsible.set(i.id, responsibleIds(incidentPeople(this.dir, i, assignees(i.id))));
    const duty = await this.deps.store.dutyReports(`${ym}-01`, `${ym}-31`);
    const f = assessmentFigures(this.dir, {
      data,
      subject,
      period,
      asOf,
      responsible,
      dutyUnits: this.dutyUnits(),
      duty,
    });
    const who =
      subject.kind === 'unit'
        ? (this.dir.unit(subject.unitId)?.name ?? subject.unitId)
        : this.dir.nameOf(subject.personId);
    const label = `${ym.replace('-', '年')}月${asOf < period.to ? `（截至 ${this.dir.formatShort(asOf)}）` : ''}`;
    return assessmentText(who, label, f).text;
  }

  /**
   * Records that an upward report was sent (`/报告 <编号> <类型> 已报送 [说明]`): a
   * `report.submitted` ledger entry on the incident.
   */
  async recordSubmission(actor: Actor, incidentId: string, type: string, note: string, now: Date): Promise<void> {
    await this.deps.store.appendLedger({
      incidentId,
      actor: actor.id,
      kind: 'report.submitted',
      at: now,
      payload: { type, note: note || null },
    });
  }

  /** Business date of an instant (business time zone). */
  today(now: Date): string {
    return businessDate(now, this.dir.timezone);
  }
}
