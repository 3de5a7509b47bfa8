/**
 * The config's organisation parts: people, units, chats, the severity scale, categories,
 * milestones (time limits), the escalation ladder, approval rules and upward report sections
 * (domain.md). `schema.ts` assembles them into the organisation config and re-exports them.
 */
import { z } from 'zod';
import { hhmm, id } from './schema-common.js';

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

export const APPROVAL_KIND_DEFAULT = {
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

export const DEFAULT_UPWARD = [
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
