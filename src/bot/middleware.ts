/**
 * The hub's event middleware (issue 7 item 4; after bolt-js `middleware/builtin.ts`): every step
 * `Bot` takes before a command or card action runs is one small named function
 * `(ctx, next) => Promise<void>`; a step that decides the event is done simply does not call
 * `next()`. `Bot` composes them in this order:
 * `ignoreSelf → dedupe → resolveChat → ignoreSandboxChatter → answerUnboundChat → resolveActor`.
 */
import type { Logger } from 'pino';
import type { Actor } from '../domain/ports.js';
import type { PersonMessage } from './outbound.js';
import { parseCommand, stripLeadingMentions } from './parser.js';
import type { Card, InboundEvent, PlatformName } from './types.js';

/** A chat as the bot sees it: the config chat id, its name and unit. */
export interface ChatInfo {
  id: string;
  name: string;
  unit: string;
}

/** What the hub's steps pass along. `chat` and `actor` are set by `resolveChat` / `resolveActor`. */
export interface HubContext {
  readonly event: InboundEvent;
  /** Answers in the event's conversation (person-level text with `@{personId}` tokens). */
  say(m: PersonMessage | string): Promise<void>;
  /** Re-renders a card the bot sent earlier wherever it was sent on this platform. */
  refreshCard(card: Card): Promise<void>;
  /** The config chat; null in a 1:1 conversation. Undefined until `resolveChat` ran. */
  chat?: ChatInfo | null;
  /** True when the event came from a group chat not bound in the config (set by `resolveChat`). */
  unboundChat?: boolean;
  /** Who sent it (set by `resolveActor`). */
  actor?: Actor;
}

/** One step. Call `next()` to go on; return without calling it to stop here. */
export type Middleware = (ctx: HubContext, next: () => Promise<void>) => Promise<void>;

/** Runs `steps` in order, then `last` if every step called `next()`. @throws Error when a step calls `next()` twice. */
export function compose(
  steps: readonly Middleware[],
  last: (ctx: HubContext) => Promise<void>,
): (ctx: HubContext) => Promise<void> {
  return (ctx) => {
    let reached = -1;
    const at = async (i: number): Promise<void> => {
      if (i <= reached) throw new Error('middleware called next() twice');
      reached = i;
      if (i === steps.length) return last(ctx);
      await steps[i](ctx, () => at(i + 1));
    };
    return at(0);
  };
}

/** Drops events the bot itself caused (its own user id on a platform), so it never answers itself. */
export function ignoreSelf(isSelf: (platform: PlatformName, userId: string) => boolean): Middleware {
  return async (ctx, next) => {
    if (isSelf(ctx.event.platform, ctx.event.userId)) return;
    await next();
  };
}

/** Remembers event ids (the domain's `EventDedupe` port fits). */
export interface SeenEvents {
  firstSeen(platform: string, eventId: string): Promise<boolean>;
}

/**
 * Handles each `(platform, eventId)` once: a redelivered event is dropped and logged. Adapters
 * that must answer a duplicate on the wire (WeCom: 200 empty) dedupe at intake too.
 */
export function dedupe(seen: SeenEvents, logger: Pick<Logger, 'info'>): Middleware {
  return async (ctx, next) => {
    const { platform, eventId } = ctx.event;
    if (!(await seen.firstSeen(platform, eventId))) {
      logger.info({ platform, eventId }, 'duplicate event: dropped');
      return;
    }
    await next();
  };
}

/** A bounded in-process `SeenEvents` (the newest `max` ids). */
export function recentEvents(max = 5000): SeenEvents {
  const ids = new Set<string>();
  return {
    async firstSeen(platform, eventId) {
      const k = `${platform}\u0000${eventId}`;
      if (ids.has(k)) return false;
      ids.add(k);
      if (ids.size > max) ids.delete(ids.values().next().value as string);
      return true;
    },
  };
}

/** Sets `ctx.chat` from the platform chat id (null for 1:1) and flags a group chat not bound in config. */
export function resolveChat(
  chatByPlatformId: (platform: PlatformName, chatId: string) => ChatInfo | undefined,
): Middleware {
  return async (ctx, next) => {
    const { platform, chatId } = ctx.event;
    const chat = chatId ? chatByPlatformId(platform, chatId) : undefined;
    ctx.chat = chat ?? null;
    ctx.unboundChat = !!chatId && !chat;
    await next();
  };
}

/**
 * Sandbox-only: the sandbox is a shared practice chat where people also talk among themselves, so
 * a message that is not a command is ignored unless it @-mentions someone first in a bound chat
 * (then it gets the "commands start with /" hint); in an unbound chat only commands get the
 * binding answer. Other platforms deliver only messages addressed to the bot.
 */
export function ignoreSandboxChatter(): Middleware {
  return async (ctx, next) => {
    const e = ctx.event;
    if (e.platform === 'sandbox' && e.type === 'message' && !parseCommand(e.text)) {
      if (ctx.unboundChat || stripLeadingMentions(e.text) === e.text.trim()) return;
    }
    await next();
  };
}

/** In a group chat not bound in the config: answers how to bind it (`unboundChatText`), logs, and stops. */
export function answerUnboundChat(botName: string, logger: Pick<Logger, 'warn'>): Middleware {
  return async (ctx, next) => {
    if (!ctx.unboundChat) return next();
    const { platform, chatId } = ctx.event;
    await ctx.say(unboundChatText(platform, chatId!, botName));
    logger.warn({ platform, chatId }, 'event from a chat not bound in config');
  };
}

/**
 * Sets `ctx.actor`: the config person behind the platform user id, or — for someone not in the
 * directory — `<platform>:<userId>` with no person id (commands then refuse what needs one).
 */
export function resolveActor(
  personByPlatformId: (platform: PlatformName, userId: string) => { id: string; name: string } | undefined,
): Middleware {
  return async (ctx, next) => {
    const e = ctx.event;
    const person = personByPlatformId(e.platform, e.userId);
    ctx.actor = person
      ? { id: person.id, personId: person.id, name: person.name }
      : { id: `${e.platform}:${e.userId}`, personId: null, name: e.userName ?? e.userId };
    await next();
  };
}

/** The reply in a group that is not bound to a unit: tells an admin how to bind it. */
export function unboundChatText(platform: PlatformName, chatId: string, botName: string): string {
  const key = platform === 'wecom' ? 'wecomChatId' : platform === 'dingtalk' ? 'dingtalkChatId' : 'id';
  return [
    `本群尚未绑定到任何单位，${botName}暂不能在此处理舆情。`,
    '请管理员在配置文件（config/default.yaml 或 CONFIG_FILE 指定的文件）的 chats 下添加本群并重启：',
    `- { id: 自定义群标识, name: 群名称, unit: 单位标识, ${key}: "${chatId}" }`,
  ].join('\n');
}
