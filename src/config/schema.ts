/**
 * The organisation config: zod schema and inferred types.
 *
 * Every number and list in `shared/domain.md` is a default here, never a constant in code.
 * Cross-references (a unit's people, a chat's unit, …) are checked in `superRefine`, so an
 * invalid file stops start-up with a message naming the path, e.g.
 * `units[2].firstResponsible: unknown person "wang"`.
 */
import { z } from 'zod';

/** `HH:mm`, 00:00–23:59 (24:00 allowed as an end of day). */
const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:mm between 00:00 and 24:00');
const id = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.-]+$/, 'only letters, digits, "_", "-" and "." are allowed');

/** A person who can be @-mentioned on each platform. */
export const PersonSchema = z.strictObject({
  id,
  name: z.string().min(1),
  mobile: z.string().optional(),
  wecomUserId: z.string().optional(),
  dingtalkUserId: z.string().optional(),
  title: z.string().optional(),
});

/** An organisational unit with its responsibility chain (domain.md "Who takes part"). */
export const UnitSchema = z.strictObject({
  id,
  name: z.string().min(1),
  parent: z.string().optional(),
  firstResponsible: z.string(),
  directResponsible: z.string(),
  spokesperson: z.string().optional(),
  office: z.array(z.string()).default([]),
});

/** A group chat bound to a unit, with its ids on every platform. */
export const ChatSchema = z.strictObject({
  id,
  name: z.string().min(1),
  unit: z.string(),
  /** WeCom group chatid (AI bot callbacks carry it). */
  wecomChatId: z.string().optional(),
  /** WeCom webhook robot key for proactive posts into that group (a bearer secret: never logged). */
  wecomWebhookKey: z.string().optional(),
  /** DingTalk openConversationId ("cid…"). */
  dingtalkChatId: z.string().optional(),
  /**
   * DingTalk custom group robot webhook (`https://oapi.dingtalk.com/robot/send?access_token=…`), so that
   * proactive posts can @-notify in the group; a bearer secret: never logged. Needs `dingtalkRobotSecret`.
   */
  dingtalkRobotWebhook: z.string().url().optional(),
  /** The custom robot's signing secret (`SEC…`, security setting 加签). */
  dingtalkRobotSecret: z.string().optional(),
  /** Whether the chat shows up in the local sandbox. */
  sandbox: z.boolean().default(true),
});

/** One level of the severity scale (domain.md "Severity levels"). Levels are listed highest first. */
export const LevelSchema = z.strictObject({
  id,
  name: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  colour: z.enum(['red', 'orange', 'yellow', 'blue', 'grey']).default('grey'),
  /**
   * Post to the leadership group's chat at once when an incident is reported at or raised to this
   * level (domain.md "特重大…先报、早报"), not only when an escalation reaches it.
   */
  notifyLeadershipAtOnce: z.boolean().default(false),
});

/** One incident category (domain.md "Categories"). */
export const CategorySchema = z.strictObject({
  id,
  name: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  handling: z.string().optional(),
});

/** Who a milestone is owed by. `reporter` is whoever opened the incident. */
export const OwnerRoleSchema = z.enum([
  'reporter',
  'firstResponsible',
  'directResponsible',
  'spokesperson',
  'office',
  'assignee',
  /** The designated approvers of the version awaiting approval (approval milestones only). */
  'approver',
]);

/** Which time a milestone's clock starts from (domain.md "Time limits", column "clock starts"). */
export const ClockSchema = z.enum([
  'discovery',
  'occurrence',
  'report',
  'closure',
  'feedback',
  /** A statement version was submitted for approval (issue 8). */
  'statementSubmitted',
  /** A handling-plan version was submitted for approval (issue 8). */
  'planSubmitted',
]);

/**
 * A milestone of the handling flow (domain.md "Time limits"). `limitMinutes` counts calendar time;
 * `limitWorkingDays` counts statutory working days; `sameDay` means "by the end of the business day".
 * `levels` restricts it to some levels (absent: all); `perLevel` overrides the limit per level id.
 */
export const MilestoneSchema = z.strictObject({
  key: id,
  name: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  clock: ClockSchema,
  /** Roles that owe it; with `perOwner` every person gets a milestone of their own (acknowledgement). */
  owners: z.array(OwnerRoleSchema).min(1),
  perOwner: z.boolean().default(false),
  /** A disabled milestone is never planned (kept in config as a preset a deployment can switch on). */
  enabled: z.boolean().default(true),
  limitMinutes: z.number().positive().optional(),
  limitWorkingDays: z.number().int().positive().optional(),
  sameDay: z.boolean().optional(),
  levels: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  perLevel: z
    .record(
      z.string(),
      z.strictObject({
        limitMinutes: z.number().positive().optional(),
        limitWorkingDays: z.number().int().positive().optional(),
      }),
    )
    .default({}),
  /** Events that meet it, e.g. `ack`, `update`, `close`, `approve`, `publish`. `/完成` always works. */
  metBy: z.array(z.string()).default([]),
  source: z.string().optional(),
});

/** The escalation ladder (domain.md "Notification and escalation ladder"). */
export const EscalationSchema = z.strictObject({
  /** Reminders before the deadline, as fractions of the time allowed. */
  remindAt: z.array(z.number().gt(0).lt(1)).default([0.5, 0.8]),
  /** Ladder steps after the deadline, in order; each waits `afterMinutes` after the previous one. */
  ladder: z
    .array(
      z.strictObject({
        target: z.enum(['owner', 'directResponsible', 'firstResponsible', 'leadershipGroup', 'upperAuthority']),
        afterMinutes: z.number().nonnegative(),
      }),
    )
    .default([
      { target: 'owner', afterMinutes: 0 },
      { target: 'directResponsible', afterMinutes: 15 },
      { target: 'firstResponsible', afterMinutes: 30 },
      { target: 'leadershipGroup', afterMinutes: 60 },
      { target: 'upperAuthority', afterMinutes: 120 },
    ]),
  /** Quiet hours in business time, per level id: no chasing inside them (deferred to their end). */
  quietHours: z.record(z.string(), z.strictObject({ start: hhmm, end: hhmm })).default({}),
});

/**
 * Who approves one kind of draft (domain.md "Approvals"): `approvers` is a list of alternatives, any
 * one of which suffices (004 篇二) — person ids, or roles resolved through the incident's unit:
 * `firstResponsible`, `directResponsible`, `spokesperson`, `leader` (the leadership group's
 * leader), `deputy` (its deputies). `externalSignOff`: the upper authority's confirmation must be
 * recorded (`/外部确认`) before publishing; `legalReview`: a legal reviewer's opinion (`/法务审核`).
 */
export const ApprovalRuleSchema = z.strictObject({
  approvers: z.array(z.string()).min(1).optional(),
  externalSignOff: z.boolean().optional(),
  legalReview: z.boolean().optional(),
});

/** Approval rules of one kind: the base rule, overridden per category, then per level (field by field). */
export const ApprovalKindSchema = z.strictObject({
  approvers: z.array(z.string()).min(1).default(['firstResponsible', 'leader', 'deputy']),
  externalSignOff: z.boolean().default(false),
  legalReview: z.boolean().default(false),
  perCategory: z.record(z.string(), ApprovalRuleSchema).default({}),
  perLevel: z.record(z.string(), ApprovalRuleSchema).default({}),
});

const APPROVAL_KIND_DEFAULT = {
  approvers: ['firstResponsible', 'leader', 'deputy'],
  externalSignOff: false,
  legalReview: false,
  perCategory: {},
  perLevel: {},
};

/** The `approvals:` section (issue 8): statements (通稿/口径, inquiry replies) and handling plans. */
export const ApprovalsSchema = z.strictObject({
  statement: ApprovalKindSchema.default(APPROVAL_KIND_DEFAULT),
  plan: ApprovalKindSchema.default(APPROVAL_KIND_DEFAULT),
  /** Person ids whose `/法务审核` counts where `legalReview` is on (003: 法务, 法律顾问). */
  legalReviewers: z.array(z.string()).default([]),
  /** Characters of the draft shown on a card; the rest is behind `/查看 <编号> 稿件`. */
  cardTextChars: z.number().int().positive().default(160),
});
/** Sections an upward report draft can have (domain.md "Reporting rhythm and report contents"). */
export const UPWARD_SECTIONS = [
  'summary',
  'scope',
  'measures',
  'nextSteps',
  'riskLevel',
  'advice',
  'cause',
  'effect',
  'improvements',
  'handlingSummary',
  'proposals',
  'feedback',
] as const;

const DEFAULT_UPWARD = [
  {
    id: 'warning',
    name: '预警报告',
    aliases: ['预警'],
    milestone: 'early_warning',
    sections: ['summary', 'riskLevel', 'advice'] as (typeof UPWARD_SECTIONS)[number][],
    source: '000 L8',
  },
  {
    id: 'special',
    name: '特报',
    aliases: ['特报上级', '上报'],
    milestone: 'special_report',
    sections: ['summary', 'scope', 'measures', 'nextSteps'] as (typeof UPWARD_SECTIONS)[number][],
    source: '002',
  },
  {
    id: 'closure',
    name: '结案报告',
    aliases: ['结案', '处置报告'],
    milestone: 'closure_report',
    sections: ['cause', 'effect', 'improvements'] as (typeof UPWARD_SECTIONS)[number][],
    source: '000 L6',
  },
  {
    id: 'summary',
    name: '总结评估',
    aliases: ['总结', '复盘'],
    milestone: 'after_action',
    sections: ['handlingSummary', 'proposals', 'feedback'] as (typeof UPWARD_SECTIONS)[number][],
    source: '000 L8',
  },
];

const SET_LEVEL = ['firstResponsible', 'directResponsible', 'office', 'leadershipGroup'] as const;
const GRADE_BREACH = ['firstResponsible', 'leadershipGroup', 'office'] as const;
const CLOSE = ['firstResponsible', 'directResponsible', 'office', 'leadershipGroup'] as const;
const HANDLE = ['firstResponsible', 'directResponsible', 'spokesperson', 'office', 'leadershipGroup'] as const;
const SIGN_OFF = ['office'] as const;
const UPDATE = [...HANDLE, 'assignee'] as const;
const ASSESS = ['firstResponsible', 'directResponsible', 'office', 'leadershipGroup'] as const;

const RESEND = ['office', 'leadershipGroup'] as const;

const WindowSchema = z.strictObject({
  perWindow: z.number().int().positive(),
  windowMs: z.number().int().positive(),
});

const RateLimitFields = {
  /** Messages per window and destination (WeCom / DingTalk group robots: 20 a minute [91770]). */
  perWindow: z.number().int().positive(),
  /** Window length, ms (sliding windows, shared by all instances). */
  windowMs: z.number().int().positive().default(60_000),
  /** Largest merged message, UTF-8 bytes (WeCom markdown 4096 [91770]). */
  mergeMaxBytes: z.number().int().positive().default(4000),
  /** More windows over the same sends (WeCom app: 1000 an hour per member, wecom.md §8.4). */
  also: z.array(WindowSchema).optional(),
};

const RateLimitSchema = z.strictObject({
  ...RateLimitFields,
  /** The limit of 1:1 destinations where it differs (WeCom app message/send: 30/min, 1000/h per member). */
  direct: z.strictObject(RateLimitFields).optional(),
});

const DELIVERY_DEFAULTS = {
  retry: { baseMs: 1000, maxMs: 300_000, deadAfterMinutes: 1440 },
  leaseMs: 60_000,
  replyLeaseMs: 30_000,
  concurrency: 8,
  pollMs: 2000,
  rateLimits: {
    wecom: {
      perWindow: 20,
      windowMs: 60_000,
      mergeMaxBytes: 4000,
      direct: {
        perWindow: 30,
        windowMs: 60_000,
        mergeMaxBytes: 2000,
        also: [{ perWindow: 1000, windowMs: 3_600_000 }],
      },
    },
    dingtalk: { perWindow: 20, windowMs: 60_000, mergeMaxBytes: 4000 },
  },
};

/** Outbound delivery (issue 14): retries, leases, rate limits per platform. */
const DeliverySchema = z.strictObject({
  retry: z
    .strictObject({
      /** First retry delay, ms (doubled per attempt, with jitter). */
      baseMs: z.number().int().positive().default(DELIVERY_DEFAULTS.retry.baseMs),
      /** Longest single retry delay, ms. */
      maxMs: z.number().int().positive().default(DELIVERY_DEFAULTS.retry.maxMs),
      /** A message still failing after this long is a dead letter (default 24 h). */
      deadAfterMinutes: z.number().positive().default(DELIVERY_DEFAULTS.retry.deadAfterMinutes),
    })
    .default(DELIVERY_DEFAULTS.retry),
  /** Lease of a row being sent, ms (a crashed instance's rows come back after it). */
  leaseMs: z.number().int().positive().default(DELIVERY_DEFAULTS.leaseMs),
  /** Lease of a command's reply rows while the command's own reply path carries them, ms. */
  replyLeaseMs: z.number().int().positive().default(DELIVERY_DEFAULTS.replyLeaseMs),
  /** Deliveries in flight per instance (each to a different destination). */
  concurrency: z.number().int().positive().default(DELIVERY_DEFAULTS.concurrency),
  /** Longest sleep of the worker without a NOTIFY, ms. */
  pollMs: z.number().int().positive().default(DELIVERY_DEFAULTS.pollMs),
  /** Per platform (`wecom`, `dingtalk`, `sandbox`); a platform without an entry is not limited. */
  rateLimits: z.record(z.string(), RateLimitSchema).default(DELIVERY_DEFAULTS.rateLimits),
});

/**
 * Defaults of the `scheduler` section (Agenda 6, src/jobs/agenda.ts and src/jobs/chase-job.ts).
 * Measured by bench (i) (bench/RESULTS.md section 3). Chase runs are not Agenda's jobs: the chase
 * sweep claims their rows in batches (src/jobs/chase-sweep.ts); `chase.batchSize` rows per claim.
 */
export const SCHEDULER_DEFAULTS = {
  processEveryMs: 1000,
  maxConcurrency: 20,
  lockLimit: 0,
  defaultLockLifetimeMs: 60_000,
  chase: { concurrency: 5, batchSize: 100, lockLifetimeMs: 20_000, retryMs: 5000 },
};

/** The job scheduler's settings (Agenda 6 on PostgreSQL). */
const SchedulerSchema = z.strictObject({
  /**
   * Agenda's polling interval, ms (NOTIFY wakes it earlier for a newly saved job). Under
   * `TIME_SCALE` < 1 the app polls at least every 200 ms.
   */
  processEveryMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.processEveryMs),
  /** Jobs of all kinds running at once in one instance. */
  maxConcurrency: z.number().int().positive().default(SCHEDULER_DEFAULTS.maxConcurrency),
  /** Jobs of all kinds locked (queued or running) in one instance at once; 0 = no limit. */
  lockLimit: z.number().int().min(0).default(SCHEDULER_DEFAULTS.lockLimit),
  /** Lock lifetime of a job kind that sets none, ms. */
  defaultLockLifetimeMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.defaultLockLifetimeMs),
  /** The chase sweep over the `milestone-chase` rows (one run per milestone's due steps). */
  chase: z
    .strictObject({
      /** Chase runs at once in one instance. */
      concurrency: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.concurrency),
      /** Due rows claimed per round trip (one batch; the next is claimed when it is done). */
      batchSize: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.batchSize),
      /**
       * How long a claimed row is held before another instance may claim it, ms (after a crash, the
       * delay before its runs are taken over). Keep it well above a batch's duration.
       */
      lockLifetimeMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.lockLifetimeMs),
      /** A run that threw (e.g. the database went away) runs again this much later, ms. */
      retryMs: z.number().int().positive().default(SCHEDULER_DEFAULTS.chase.retryMs),
    })
    .default(SCHEDULER_DEFAULTS.chase),
});

const DASHBOARD_DEFAULTS = {
  viewers: [],
  listLimit: 500,
  chartDays: 30,
  ackBucketsMinutes: [10, 30, 60, 120, 240],
  exportBatchSize: 500,
};

/**
 * A unit's read-only web viewer (issue 11 item 1): the dashboard, the API and the export with
 * the visibility of `{kind: 'unit'}` (the unit and its sub-units, domain/visibility.ts). The
 * token itself is never stored: `tokenSha256` is the hex SHA-256 of the bearer token.
 */
const ViewerSchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  unit: z.string(),
  tokenSha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'tokenSha256 must be 64 hex digits (sha256 of the token)')
    .transform((s) => s.toLowerCase()),
});

/** The office's web view (issue 11): `/dashboard`, `/api/incidents`, the 台账 export. */
const DashboardSchema = z.strictObject({
  viewers: z.array(ViewerSchema).default(DASHBOARD_DEFAULTS.viewers),
  /** Most incidents one list answer holds (newest first). */
  listLimit: z.number().int().positive().default(DASHBOARD_DEFAULTS.listLimit),
  /** Days the charts cover when no period is asked for (ending today, business time). */
  chartDays: z.number().int().positive().max(366).default(DASHBOARD_DEFAULTS.chartDays),
  /** Upper bounds, minutes, of the time-to-acknowledge histogram's buckets (one more bucket above the last). */
  ackBucketsMinutes: z.array(z.number().positive()).min(1).default(DASHBOARD_DEFAULTS.ackBucketsMinutes),
  /** Incidents read per database round trip while an export streams. */
  exportBatchSize: z.number().int().positive().max(10_000).default(DASHBOARD_DEFAULTS.exportBatchSize),
});

export const ConfigSchema = z.strictObject({
  /** Business time zone (IANA). Times are stored in UTC. */
  timezone: z.string().default('Asia/Shanghai'),
  bot: z.strictObject({ name: z.string().default('舆情助手') }).default({ name: '舆情助手' }),
  people: z.array(PersonSchema).min(1),
  units: z.array(UnitSchema).min(1),
  leadershipGroup: z.strictObject({
    name: z.string().default('网络舆情工作领导小组'),
    leader: z.string(),
    deputies: z.array(z.string()).default([]),
    members: z.array(z.string()).default([]),
    /** The chat the leadership group reads (combined rollups, escalations). */
    chat: z.string().optional(),
  }),
  upperAuthority: z
    .strictObject({
      name: z.string().default('上级主管部门'),
      contacts: z.array(z.string()).default([]),
    })
    .default({ name: '上级主管部门', contacts: [] }),
  chats: z.array(ChatSchema).min(1),
  severity: z.strictObject({
    /** Highest first. */
    levels: z.array(LevelSchema).min(1),
    /** Level used when a reporter proposes none. */
    default: z.string(),
  }),
  categories: z.array(CategorySchema).min(1),
  permissions: z
    .strictObject({
      /**
       * Who may confirm or change a level: person ids or role names (`firstResponsible`,
       * `directResponsible`, `spokesperson`, `office`, `leadershipGroup`, `upperAuthority`). A role held
       * in a parent unit counts for its sub-units.
       */
      setLevel: z.array(z.string()).default([...SET_LEVEL]),
      /** Who may grade a breach as major (concealment, serious result; 000 L2). */
      gradeBreach: z.array(z.string()).default([...GRADE_BREACH]),
      /** Who may close and reopen an incident (`/办结`, `/重开`). */
      close: z.array(z.string()).default([...CLOSE]),
      /** Who may publish, calm, assign and categorise (`/发布`, `/平息`, `/指派`, `/分类`). */
      handle: z.array(z.string()).default([...HANDLE]),
      /** Who records the upper authority's sign-off on a draft (`/外部确认`; issue 8, 004 篇二: the office). */
      signOff: z.array(z.string()).default([...SIGN_OFF]),
      /** Who may record progress (`/进展`); `assignee` = the incident's assignees (issue 10 item 13). */
      update: z.array(z.string()).default([...UPDATE]),
      /** Who may record feedback received (`/反馈`, starts the written-answer clock). */
      feedback: z.array(z.string()).default([...UPDATE]),
      /** Who may see a unit's assessment (`/考核`, issue 9); anyone may see their own. */
      assess: z.array(z.string()).default([...ASSESS]),
      /** Who may put failed messages (dead letters) back in the queue (`/重发`, issue 14). */
      resend: z.array(z.string()).default([...RESEND]),
    })
    .default({
      setLevel: [...SET_LEVEL],
      gradeBreach: [...GRADE_BREACH],
      close: [...CLOSE],
      handle: [...HANDLE],
      signOff: [...SIGN_OFF],
      update: [...UPDATE],
      feedback: [...UPDATE],
      assess: [...ASSESS],
      resend: [...RESEND],
    }),
  /** Closing rules (`/办结`, issue 10 item 15). */
  closing: z
    .strictObject({
      /** An incident must have a category before it is closed (the case library needs it; 江城). */
      requireCategory: z.boolean().default(true),
    })
    .default({ requireCategory: true }),
  milestones: z.array(MilestoneSchema).default([]),
  escalation: EscalationSchema.default({ remindAt: [0.5, 0.8], ladder: [], quietHours: {} }),
  calendar: z
    .strictObject({
      /** Extra statutory holidays (YYYY-MM-DD) the calendar library does not know yet. */
      extraHolidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
      /** Extra make-up workdays (调休, YYYY-MM-DD). */
      extraWorkdays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
      /** End of the business day for `sameDay` milestones (HH:mm, business time). */
      endOfDay: hhmm.default('18:00'),
    })
    .default({ extraHolidays: [], extraWorkdays: [], endOfDay: '18:00' }),
  /** The daily rollup (issue 9; 001 "每日17:30前"). */
  rollup: z
    .strictObject({
      /** Cut time, business time. */
      time: hhmm.default('17:30'),
      /** Posts to many chats are spread evenly over this many seconds after the cut. */
      spreadSeconds: z.number().int().nonnegative().default(120),
      /** On statutory rest days: `post` (24-hour duty never stops) or `skip`. */
      onRestDays: z.enum(['post', 'skip']).default('post'),
      /** A post sent more than this many minutes after its slot is marked 补发 with the time it was due. */
      lateAfterMinutes: z.number().positive().default(10),
      /**
       * The posts of one round (same window, as of the cut) render from one organisation-wide load
       * of the window's data for this many seconds after it was loaded; 0 loads for every post.
       */
      reuseSeconds: z.number().nonnegative().default(30),
    })
    .default({ time: '17:30', spreadSeconds: 120, onRestDays: 'post', lateAfterMinutes: 10, reuseSeconds: 30 }),
  /** Weekly and monthly reports to the leadership group (issue 9; 002 weekly, 000 L8 monthly). */
  reports: z
    .strictObject({
      /** ISO weekday (1 = Monday … 7 = Sunday) and business time of the weekly report on the past week. */
      weekly: z
        .strictObject({ weekday: z.number().int().min(1).max(7).default(1), time: hhmm.default('09:00') })
        .default({ weekday: 1, time: '09:00' }),
      /** Day of month (1–28) and business time of the monthly report on the past month. */
      monthly: z
        .strictObject({ day: z.number().int().min(1).max(28).default(1), time: hhmm.default('09:00') })
        .default({ day: 1, time: '09:00' }),
      /** How many of the slowest acknowledgements a weekly/monthly report lists. */
      slowestAcks: z.number().int().nonnegative().default(5),
      /** Milestone keys that are reports (迟报/漏报 count them, 000 L2). */
      reportMilestones: z
        .array(z.string())
        .default(['report_up', 'early_warning', 'special_report', 'closure_report', 'after_action']),
    })
    .default({
      weekly: { weekday: 1, time: '09:00' },
      monthly: { day: 1, time: '09:00' },
      slowestAcks: 5,
      reportMilestones: ['report_up', 'early_warning', 'special_report', 'closure_report', 'after_action'],
    }),
  /** Upward report drafts `/报告` (domain.md "Reporting rhythm and report contents"). */
  upwardReports: z
    .array(
      z.strictObject({
        id,
        name: z.string().min(1),
        aliases: z.array(z.string()).default([]),
        /** The milestone `/报告 … 已报送` meets, if any. */
        milestone: z.string().optional(),
        sections: z.array(z.enum(UPWARD_SECTIONS)).min(1),
        source: z.string().optional(),
      }),
    )
    .default(DEFAULT_UPWARD),
  /** Duty shifts and their reports 值班报告 (domain.md "Monitoring and duty"). */
  duty: z
    .strictObject({
      /** Shift start, business time; a shift lasts 24 hours (08:00 to 08:00 next day). */
      shiftStart: hhmm.default('08:00'),
      /** Whether a missing duty report is chased (like a milestone) at the shift's end. */
      required: z.boolean().default(false),
      /**
       * Minutes after the shift's end before a missing report is chased. A report filed within
       * them, while the ended shift has none, counts (late) for the ended shift.
       */
      graceMinutes: z.number().nonnegative().default(30),
      /**
       * Minutes after the reminder before a still missing report is escalated: to the parent
       * unit's chat (else the leadership group's), @-mentioning the unit's first-responsible
       * leader. 0: no escalation.
       */
      escalateAfterMinutes: z.number().nonnegative().default(60),
      /** Platforms checked, shown in a report that names none. */
      platforms: z.array(z.string()).default(['微博', '微信', '抖音', '本地论坛']),
    })
    .default({
      shiftStart: '08:00',
      required: false,
      graceMinutes: 30,
      escalateAfterMinutes: 60,
      platforms: ['微博', '微信', '抖音', '本地论坛'],
    }),
  approvals: ApprovalsSchema.default({
    statement: APPROVAL_KIND_DEFAULT,
    plan: APPROVAL_KIND_DEFAULT,
    legalReviewers: [],
    cardTextChars: 160,
  }),
  delivery: DeliverySchema.default(DELIVERY_DEFAULTS),
  scheduler: SchedulerSchema.default(SCHEDULER_DEFAULTS),
  dashboard: DashboardSchema.default(DASHBOARD_DEFAULTS),
});

export type Person = z.infer<typeof PersonSchema>;
/** A unit's read-only web viewer (`dashboard.viewers[]`). */
export type ViewerDef = z.infer<typeof ViewerSchema>;
/** The dashboard settings (`dashboard`). */
export type DashboardConfig = z.infer<typeof DashboardSchema>;
export type Unit = z.infer<typeof UnitSchema>;
export type Chat = z.infer<typeof ChatSchema>;
export type Level = z.infer<typeof LevelSchema>;
export type Category = z.infer<typeof CategorySchema>;
export type MilestoneDef = z.infer<typeof MilestoneSchema>;
export type OwnerRole = z.infer<typeof OwnerRoleSchema>;
export type ClockName = z.infer<typeof ClockSchema>;
/** One upward report type (`upwardReports[]`). */
export type UpwardReportDef = z.infer<typeof ConfigSchema>['upwardReports'][number];
export type UpwardSection = (typeof UPWARD_SECTIONS)[number];
export type EscalationPolicy = z.infer<typeof EscalationSchema>;
export type ApprovalKindRules = z.infer<typeof ApprovalKindSchema>;
export type ApprovalsConfig = z.infer<typeof ApprovalsSchema>;
export type DeliveryConfig = z.infer<typeof DeliverySchema>;
/** The scheduler settings (`scheduler`). */
export type SchedulerConfig = z.infer<typeof SchedulerSchema>;
/** The validated organisation config. */
export type OrgConfig = z.infer<typeof ConfigSchema>;
