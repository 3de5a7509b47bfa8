/**
 * Helpers shared by the commands: finding the incident a command means, and the dependencies
 * every command gets.
 */
import type { CommandContext } from '../bot/Bot.js';
import { looksLikeIncidentId, parseIncidentRef } from '../bot/parser.js';
import type { ApprovalService } from '../domain/approvals/ApprovalService.js';
import type { DeliveryService } from '../domain/DeliveryService.js';
import type { Directory } from '../domain/Directory.js';
import type { IncidentService } from '../domain/IncidentService.js';
import type { MilestoneService } from '../domain/MilestoneService.js';
import type { Incident } from '../domain/types.js';
import { type Viewer, viewerOf } from '../domain/visibility.js';
import type { ReportService } from '../reports/ReportService.js';
import { NotFoundError, UsageError } from '../errors.js';

/** What commands are built with (wired in main.ts). */
export interface CommandDeps {
  incidents: IncidentService;
  milestones: MilestoneService;
  approvals: ApprovalService;
  directory: Directory;
  /** Rollups, weekly/monthly reports, duty reports, assessment, upward drafts (issue 9). */
  reports: ReportService;
  /** Dead-letter admin (`/重发`); absent: the command is not registered. */
  delivery?: DeliveryService;
}

/** The incident a command targets, plus the argument text after the id (if one was given). */
export interface Target {
  incident: Incident;
  /** Who asked (the chat, or the person 1:1): pass it on to `view` / `list`. */
  viewer: Viewer;
  rest: string;
  restTokens: string[];
}

/** The viewer of a command: its chat, or the person in a 1:1 conversation (visibility.ts). */
export function commandViewer(ctx: Pick<CommandContext, 'chat' | 'actor'>): Viewer {
  return viewerOf(ctx.chat?.id ?? null, ctx.actor.personId);
}

/**
 * Reads an optional leading incident id — full (`YQ-20261129-002`) or short (`002`, `2`, `-002`:
 * today's number; issue 10 item 1) — and lets `IncidentService.resolve` decide among the incidents
 * this chat (or person, 1:1) may see (visibility.ts; another unit's incident is "not found").
 * Without an id it picks the only incident in scope that fits (issue 3: "Where an id is omitted
 * and exactly one incident in the chat fits, use it").
 * A first token that was meant as an id but is malformed (`YQ-2026112-001`) is refused rather
 * than read as "no id": otherwise `/办结 <typo> 总结` would close whichever incident is alone here.
 * `opts.shortIdNeedsRest`: a lone short-id-like token is an argument, not an id (`/定级 2` = level II).
 * @throws UsageError in a 1:1 chat without an id (unless `opts.pickInDirect`) or for a malformed id; NotFoundError /
 *   AmbiguousError from the service.
 */
export async function target(
  ctx: CommandContext,
  deps: CommandDeps,
  usage: string,
  fits?: (i: Incident) => boolean | Promise<boolean>,
  opts: {
    shortIdNeedsRest?: boolean;
    /** 1:1 without an id: the one incident in the sender's scope that `fits` (else the id is asked). */
    pickInDirect?: boolean;
  } = {},
): Promise<Target> {
  const viewer = commandViewer(ctx);
  let ref = parseIncidentRef(ctx.tokens[0]);
  if (ref?.kind === 'short' && opts.shortIdNeedsRest && ctx.tokens.length < 2) ref = null;
  if (ref) {
    const incident = await deps.incidents.resolve(viewer, ref);
    return { incident, viewer, rest: ctx.args.replace(/^\S+[\s\u3000]*/, ''), restTokens: ctx.tokens.slice(1) };
  }
  if (looksLikeIncidentId(ctx.tokens[0])) {
    throw new UsageError(
      `事件编号格式不正确：${ctx.tokens[0]}。编号形如 YQ-20261129-001，可用 /列表 查看本群事件。`,
      usage,
    );
  }
  // 1:1, a command that says so (/签收: the one awaiting the sender) takes the one that fits
  if (!ctx.chat && !(fits && opts.pickInDirect)) throw new UsageError('请写明事件编号，例如 YQ-20261129-001。', usage);
  const incident = await deps.incidents.resolve(viewer, undefined, fits).catch((e: unknown) => {
    if (!ctx.chat && e instanceof NotFoundError)
      throw new NotFoundError('没有符合条件的事件，请写明事件编号，例如 YQ-20261129-001。');
    throw e;
  });
  return { incident, viewer, rest: ctx.args, restTokens: ctx.tokens };
}

/** An optional free-text argument (a note): trimmed; UsageError beyond 2000 characters. */
export function optionalText(text: string, what: string, usage: string): string {
  const t = text.trim();
  if (t.length > 2000) throw new UsageError(`${what}过长（${t.length} 字），请控制在 2000 字以内。`, usage);
  return t;
}

/** Throws UsageError when a required free-text argument is empty. */
export function requireText(text: string, what: string, usage: string): string {
  const t = text.trim();
  if (!t) throw new UsageError(`请写明${what}。`, usage);
  if (t.length > 2000) throw new UsageError(`${what}过长（${t.length} 字），请控制在 2000 字以内。`, usage);
  return t;
}
