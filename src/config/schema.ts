/**
 * The organisation config: zod schema and inferred types.
 *
 * Every number and list in `shared/domain.md` is a default here, never a constant in code.
 * Cross-references (a unit's people, a chat's unit, …) are checked in `superRefine`, so an
 * invalid file stops start-up with a message naming the path, e.g.
 * `units[2].firstResponsible: unknown person "wang"`.
 */
import { z } from 'zod';
import { hhmm, id } from './schema-common.js';
import {
  DASHBOARD_DEFAULTS,
  DashboardSchema,
  DELIVERY_DEFAULTS,
  DeliverySchema,
  SCHEDULER_DEFAULTS,
  SchedulerSchema,
  type ViewerSchema,
} from './schema-operations.js';

export { SCHEDULER_DEFAULTS } from './schema-operations.js';
import {
  PersonSchema,
  UnitSchema,
  ChatSchema,
  LevelSchema,
  CategorySchema,
  type OwnerRoleSchema,
  type ClockSchema,
  MilestoneSchema,
  EscalationSchema,
  type ApprovalKindSchema,
  ApprovalsSchema,
  UPWARD_SECTIONS,
  APPROVAL_KIND_DEFAULT,
  DEFAULT_UPWARD,
} from './schema-organisation.js';
export {
  PersonSchema,
  UnitSchema,
  ChatSchema,
  LevelSchema,
  CategorySchema,
  OwnerRoleSchema,
  ClockSchema,
  MilestoneSchema,
  EscalationSchema,
  ApprovalRuleSchema,
  ApprovalKindSchema,
  ApprovalsSchema,
  UPWARD_SECTIONS,
} from './schema-organisation.js';

const SET_LEVEL = ['firstResponsible', 'directResponsible', 'office', 'leadershipGroup'] as const;
const GRADE_BREACH = ['firstResponsible', 'leadershipGroup', 'office'] as const;
const CLOSE = ['firstResponsible', 'directResponsible', 'office', 'leadershipGroup'] as const;
const HANDLE = ['firstResponsible', 'directResponsible', 'spokesperson', 'office', 'leadershipGroup'] as const;
const SIGN_OFF = ['office'] as const;
const UPDATE = [...HANDLE, 'assignee'] as const;
const ASSESS = ['firstResponsible', 'directResponsible', 'office', 'leadershipGroup'] as const;

const RESEND = ['office', 'leadershipGroup'] as const;

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
