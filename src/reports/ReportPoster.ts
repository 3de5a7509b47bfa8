/**
 * Scheduled posts of the reports (issue 9): the daily rollup to every chat, the weekly and
 * monthly reports to the leadership group, and the chase of a missing duty report. Each post has
 * an idempotency key (`rollup:<chat>:<business date>`, `weekly:<chat>:<ISO week>`,
 * `monthly:<chat>:<YYYY-MM>`, `duty_chase:<chat>:<shift date>`) and is claimed once in
 * `report_posts` before it is sent, so it goes out exactly once across restarts and instances.
 *
 * Delivery: after the claim commits, `deliver` queues the post in the outbox (issue 14) under the
 * post's key through the `Notifier` port, then marks the claim sent. The outbox adds nothing for a
 * key it already holds, so `resendUnsent` (a crash between claim and queueing) can never make a
 * second post: exactly once per key.
 */
import type { Directory } from '../domain/Directory.js';
import type { Clock, DomainLogger, Notifier } from '../domain/ports.js';
import type { PostClaim, ReportStore, StoredPost } from '../domain/report-ports.js';
import { businessDate, latestOccurrence, type Period, shiftOf, spreadSlots } from './period.js';
import type { ReportService } from './ReportService.js';

/** One post to make: what, where, for which period, and its slot (when it is due). */
export interface PostSpec {
  kind: 'rollup' | 'weekly' | 'monthly';
  chatId: string;
  period: Period;
  /** Its slot: the cut time plus its share of the spread. */
  dueAt: Date;
}

/** What `post` did. */
export type PostOutcome = 'sent' | 'already';

/** The idempotency key of a post. */
export function postKey(kind: string, chatId: string, periodId: string): string {
  return `${kind}:${chatId}:${periodId}`;
}

export class ReportPoster {
  constructor(
    private readonly deps: {
      reports: ReportService;
      store: ReportStore;
      notifier: Notifier;
      directory: Directory;
      clock: Clock;
      log: DomainLogger;
    },
  ) {}

  private get dir(): Directory {
    return this.deps.directory;
  }

  /**
   * The posts of the latest occurrence of `kind` at or before `now`, if it was due today (a missed
   * post of an earlier day is not made; issue 9 "a missed rollup of today is posted late"):
   * rollups — one per chat with slots spread over `rollup.spreadSeconds`, none on a rest day with
   * `rollup.onRestDays: skip`; weekly / monthly — to the leadership group's chat. Else [] (a
   * logged reason where it is a decision).
   */
  due(kind: PostSpec['kind'], now: Date): PostSpec[] {
    const cfg = this.dir.reportSettings();
    const tz = this.dir.timezone;
    const when = kind === 'rollup' ? cfg.rollup : kind === 'weekly' ? cfg.reports.weekly : cfg.reports.monthly;
    const { dueAt, period } = latestOccurrence(kind, when, now, tz, cfg.rollup.time);
    // only an occurrence due today is posted (late if need be); an earlier day's missed post is not
    // (a first start-up must not post last month's report)
    if (businessDate(dueAt, tz) !== businessDate(now, tz)) return [];
    if (kind === 'rollup') {
      if (cfg.rollup.onRestDays === 'skip' && this.deps.reports.isRestDay(period.id)) {
        this.deps.log.info({ date: period.id }, 'rollup skipped: statutory rest day (rollup.onRestDays: skip)');
        return [];
      }
      const chats = this.dir.allChats();
      const slots = spreadSlots(dueAt, chats.length, cfg.rollup.spreadSeconds);
      return chats.map((c, i) => ({ kind, chatId: c.id, period, dueAt: slots[i] }));
    }
    const chat = this.dir.leadershipChatId();
    if (!chat) {
      this.deps.log.info({ kind }, 'report not posted: no leadershipGroup.chat configured');
      return [];
    }
    return [{ kind, chatId: chat, period, dueAt }];
  }

  /** Whether a post was claimed already (so planning it again is pointless). */
  async claimed(spec: PostSpec): Promise<boolean> {
    return (await this.deps.store.post(postKey(spec.kind, spec.chatId, spec.period.id))) !== undefined;
  }

  /**
   * Builds, claims and delivers one post. A post made more than `rollup.lateAfterMinutes` after its
   * slot is marked 补发 with the time it was due; its figures are those of its cut time.
   * @returns `already` when the key was claimed before (here or by another instance).
   */
  async post(spec: PostSpec): Promise<PostOutcome> {
    const now = this.deps.clock.now();
    const key = postKey(spec.kind, spec.chatId, spec.period.id);
    if (await this.deps.store.post(key)) return this.skip(key);
    const late = now.getTime() - spec.dueAt.getTime() > this.dir.reportSettings().rollup.lateAfterMinutes * 60_000;
    const lateOpt = late ? { late: { dueAt: spec.dueAt } } : {};
    const rendered =
      spec.kind === 'rollup'
        ? await this.deps.reports.daily(spec.chatId, spec.period.id, { ...lateOpt, shared: true })
        : await this.deps.reports.periodic(spec.kind, spec.chatId, spec.period, now, lateOpt);
    const claim: PostClaim = {
      key,
      kind: spec.kind,
      chatId: spec.chatId,
      period: spec.period.id,
      dueAt: spec.dueAt,
      claimedAt: now,
      late,
      text: rendered.text,
      mentions: rendered.mentions,
    };
    if (!(await this.deps.store.claimPost(claim))) return this.skip(key);
    await this.deliver(claim);
    this.deps.log.info({ key, late }, 'report posted');
    return 'sent';
  }

  private skip(key: string): PostOutcome {
    this.deps.log.info({ key }, 'report not posted again: already claimed');
    return 'already';
  }

  /** Queues a claimed post in the outbox under its key (idempotent) and records it queued. */
  private async deliver(p: PostClaim | StoredPost): Promise<void> {
    await this.deps.notifier.notify({ chatId: p.chatId, text: p.text, mentions: p.mentions }, p.key);
    await this.deps.store.markPostSent(p.key, this.deps.clock.now());
  }

  /**
   * Queues again the claimed posts never marked sent whose claim is older than `olderThanMs` (a
   * crash between the claim and queueing). Queueing is idempotent on the post's key, so a post that
   * was queued but not marked is not posted twice.
   */
  async resendUnsent(olderThanMs = 5 * 60_000): Promise<number> {
    const stale = await this.deps.store.unsentPosts(new Date(this.deps.clock.now().getTime() - olderThanMs));
    for (const p of stale) {
      this.deps.log.warn({ key: p.key }, 'claimed post was never marked sent: sending it now');
      await this.deliver(p);
    }
    return stale.length;
  }

  /**
   * Chases missing duty reports like a milestone (issue 9 item 4, when `duty.required`), each step
   * once per (unit, shift) through a claimed post (idempotent across restarts and instances) and
   * the outbox: the reminder at the shift's end + `duty.graceMinutes`, to the unit's chat,
   * @-mentioning its office (or its direct-responsible person when it has none; ledger
   * `duty.missed`); then, still missing `duty.escalateAfterMinutes` later (0: never), the
   * escalation to the parent unit's chat (else the leadership group's), @-mentioning the unit's
   * first-responsible leader (ledger `duty.escalated`) — only `duty.escalateAfterMinutes` after
   * the reminder was actually posted, so the ladder is climbed in order even after downtime. Steps that came due while the bot was down fire at the next call
   * (start-up catch-up).
   * @returns the chats posted to, reminders first.
   */
  async chaseDuty(now: Date): Promise<string[]> {
    const duty = this.dir.reportSettings().duty;
    if (!duty.required) return [];
    const tz = this.dir.timezone;
    const steps: Array<{ step: 'reminder' | 'escalation'; afterMs: number }> = [
      { step: 'reminder', afterMs: duty.graceMinutes * 60_000 },
      ...(duty.escalateAfterMinutes > 0
        ? [{ step: 'escalation' as const, afterMs: (duty.graceMinutes + duty.escalateAfterMinutes) * 60_000 }]
        : []),
    ];
    const chased: string[] = [];
    for (const { step, afterMs } of steps) {
      // the latest shift whose end + this step's delay has passed
      const current = shiftOf(new Date(now.getTime() - afterMs), duty.shiftStart, tz);
      const ended = shiftOf(new Date(current.from.getTime() - 1), duty.shiftStart, tz);
      const reports = await this.deps.store.dutyReports(ended.date, ended.date);
      for (const unitId of this.deps.reports.dutyUnits()) {
        if (reports.some((r) => r.unitId === unitId)) continue;
        const unit = this.dir.unit(unitId);
        const home = this.dir.allChats().find((c) => c.unit === unitId);
        if (!home || !unit) continue;
        const office = unit.office.length ? unit.office : [unit.directResponsible];
        const shiftLine = `${this.dir.formatShort(ended.from)} 至 ${this.dir.formatShort(ended.to)} 班次`;
        let claim: PostClaim;
        if (step === 'reminder') {
          claim = {
            key: postKey('duty_chase', home.id, ended.date),
            kind: 'duty_chase',
            chatId: home.id,
            period: ended.date,
            dueAt: new Date(ended.to.getTime() + afterMs),
            claimedAt: now,
            late: false,
            text: [
              '【值班报告未报】',
              shiftLine,
              `${unit.name}未提交值班报告。`,
              `${office.map((p) => `@{${p}}`).join(' ')} 请补报：`,
              '/值班 <检查情况>（无发现可发 /值班 无）',
            ].join('\n'),
            mentions: office,
          };
        } else {
          // up the ladder, only after the reminder went out: the parent unit's chat, else the
          // leadership group's; @ the unit's leader
          const reminded = await this.deps.store.post(postKey('duty_chase', home.id, ended.date));
          if (!reminded || now.getTime() - reminded.claimedAt.getTime() < duty.escalateAfterMinutes * 60_000) continue;
          const upper = (unit.parent ? this.dir.homeChat(unit.parent)?.id : undefined) ?? this.dir.leadershipChatId();
          if (!upper) continue;
          const leader = unit.firstResponsible;
          claim = {
            key: postKey('duty_chase', upper, `${ended.date}:escalation:${unitId}`),
            kind: 'duty_chase',
            chatId: upper,
            period: `${ended.date}:escalation:${unitId}`,
            dueAt: new Date(ended.to.getTime() + afterMs),
            claimedAt: now,
            late: false,
            text: [
              '【值班报告未报·升级】',
              shiftLine,
              `${unit.name}经提醒仍未提交值班报告。`,
              `@{${leader}} 请督促补报：`,
              '/值班 <检查情况>（在本单位工作群发送）',
            ].join('\n'),
            mentions: [leader],
          };
        }
        if (!(await this.deps.store.claimPost(claim))) continue;
        await this.deps.store.appendLedger({
          incidentId: null,
          actor: 'system',
          kind: step === 'reminder' ? 'duty.missed' : 'duty.escalated',
          at: now,
          payload:
            step === 'reminder'
              ? { unitId, shiftDate: ended.date, owners: office }
              : { unitId, shiftDate: ended.date, chatId: claim.chatId, owners: claim.mentions },
        });
        await this.deliver(claim);
        chased.push(claim.chatId);
      }
    }
    return chased;
  }
}
