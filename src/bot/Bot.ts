/**
 * The platform-neutral hub (after bolt-js's App): adapters hand it normalised `InboundEvent`s; it
 * resolves the chat and the actor, parses commands, runs the registered command or card action,
 * and turns every error into one Chinese reply. It knows no platform wire format.
 */
import type { Logger } from 'pino';
import { CodedError, DatabaseUnavailableError, UsageError } from '../errors.js';
import type { Actor } from '../domain/ports.js';
import {
  answerUnboundChat,
  type ChatInfo,
  compose,
  dedupe,
  type HubContext,
  ignoreSandboxChatter,
  ignoreSelf,
  type Middleware,
  resolveActor,
  resolveChat,
  type SeenEvents,
} from './middleware.js';
import { toPlatformMessage, type PeopleLookup, type PersonMessage } from './outbound.js';
import { parseCommand } from './parser.js';
import type {
  Card,
  InboundCardActionEvent,
  InboundEvent,
  MessageRef,
  OutboundMessage,
  PlatformAdapter,
  PlatformName,
  ReplyOutbox,
} from './types.js';

export type { ChatInfo } from './middleware.js';
export { unboundChatText } from './middleware.js';

/** What the hub needs to know about the organisation (the domain `Directory` satisfies it). */
export interface ChatDirectory extends PeopleLookup {
  chatByPlatformId(platform: PlatformName, chatId: string): ChatInfo | undefined;
  personByPlatformId(platform: PlatformName, userId: string): { id: string; name: string } | undefined;
}

/** What a command handler gets. `say` takes person-level text (`@{personId}` tokens). */
export interface CommandContext {
  platform: PlatformName;
  /** The config chat; null in a 1:1 conversation with the bot. */
  chat: ChatInfo | null;
  actor: Actor;
  /** The command word as typed (e.g. `上报` or `report`). */
  typed: string;
  args: string;
  tokens: string[];
  say(m: PersonMessage | string): Promise<void>;
  /**
   * Re-renders a card the bot sent earlier (same card id) wherever it was sent on this platform:
   * e.g. the 签收 card after a `/签收` command. Unknown cards are ignored.
   */
  refreshCard(card: Card): Promise<void>;
}

/** A chat command: Chinese name first, English aliases; `usage` is shown on bad input. */
export interface CommandDef {
  name: string;
  aliases: string[];
  /** One-line Chinese usage, e.g. `/签收 [编号]`. */
  usage: string;
  /** One-line Chinese description for /帮助. */
  summary: string;
  /** Longer Chinese help for `/帮助 <命令>` (examples). */
  help?: string;
  /**
   * True for answers that change nothing (`/查看`, `/帮助`, `/列表`): replied directly. Otherwise
   * the command runs in one outbox transaction with its replies (issue 14 item 1).
   */
  readOnly?: boolean;
  run(ctx: CommandContext): Promise<void>;
}

/** What a card-action handler gets; `arg` is the key after `<prefix>:`. */
export interface ActionContext extends Omit<CommandContext, 'typed' | 'args' | 'tokens'> {
  cardId: string;
  key: string;
  arg: string;
  updateCard(card: Card): Promise<void>;
}

export type ActionHandler = (ctx: ActionContext) => Promise<void>;

/** How a changing command touches cards: refresh every copy, or update the clicked one. */
interface CardOps {
  refresh(card: Card): Promise<void>;
  /** The clicked copy (a card action); in a command, the same as `refresh`. */
  update(card: Card): Promise<void>;
}

/** The conversation of an event, as stored with a card copy. */
function conversationOf(e: InboundEvent): { chatId?: string; userId?: string } {
  return e.chatId ? { chatId: e.chatId } : { userId: e.userId };
}

export class Bot {
  private readonly byName = new Map<string, CommandDef>();
  private readonly defs: CommandDef[] = [];
  private readonly actions = new Map<string, ActionHandler>();
  /** Where each card was sent, when no outbox persists it (unit tests): card id → message refs. */
  private readonly cardRefs = new Map<string, MessageRef[]>();
  private readonly adapters = new Map<PlatformName, PlatformAdapter>();
  /** The tail of each conversation's event queue. */
  private readonly queues = new Map<string, Promise<void>>();

  private readonly steps: Middleware[];

  /**
   * @param deps.selfUserIds the bot's own user ids per platform (their events are ignored).
   * @param deps.dedupe when given, each (platform, eventId) is handled once in the hub as well.
   * @param deps.outbox persists replies with their command's change and card references (issue
   *   14); without it (unit tests) replies go out directly and card refs stay in memory.
   */
  constructor(
    private readonly deps: {
      directory: ChatDirectory;
      logger: Logger;
      botName: string;
      selfUserIds?: Partial<Record<PlatformName, readonly string[]>>;
      dedupe?: SeenEvents;
      outbox?: ReplyOutbox;
      /** Counts each handled event: `ok`, `refused` (a Chinese explanation) or `failed` (metrics). */
      onOutcome?: (platform: PlatformName, outcome: 'ok' | 'refused' | 'failed') => void;
      /**
       * Marks the inbound event handled in its dedupe record; called INSIDE a changing command's
       * transaction, so "done" commits with the command's effects (a crash just before the commit
       * leaves the claim open for the platform's retry; just after it, the retry is a duplicate).
       */
      markHandled?: (platform: PlatformName, eventId: string) => Promise<void>;
    },
  ) {
    const dir = deps.directory;
    this.steps = [
      ignoreSelf((platform, userId) => deps.selfUserIds?.[platform]?.includes(userId) === true),
      ...(deps.dedupe ? [dedupe(deps.dedupe, deps.logger)] : []),
      resolveChat((p, id) => dir.chatByPlatformId(p, id)),
      ignoreSandboxChatter(),
      answerUnboundChat(deps.botName, deps.logger),
      resolveActor((p, id) => dir.personByPlatformId(p, id)),
    ];
  }

  /** Registers a command under its name and aliases (case-insensitive). @throws Error on a clash. */
  command(def: CommandDef): this {
    for (const n of [def.name, ...def.aliases].map((x) => x.toLowerCase())) {
      if (this.byName.has(n)) throw new Error(`command name "${n}" registered twice`);
      this.byName.set(n, def);
    }
    this.defs.push(def);
    return this;
  }

  /** All registered commands, in registration order. */
  commands(): readonly CommandDef[] {
    return this.defs;
  }

  /** Finds a command by name or alias, with or without the slash. */
  find(name: string): CommandDef | undefined {
    return this.byName.get(name.replace(/^[/／]/, '').toLowerCase());
  }

  /** Registers a card-action handler for keys `<prefix>:<arg>`. */
  action(prefix: string, handler: ActionHandler): this {
    this.actions.set(prefix, handler);
    return this;
  }

  /** Connects an adapter: its events flow into `processEvent`. */
  attach(adapter: PlatformAdapter): void {
    this.adapters.set(adapter.platform, adapter);
    adapter.init((e) => this.processEvent(e));
  }

  /**
   * Remembers where a card was sent, so it can be refreshed later (persisted with an outbox; else
   * bounded, in memory). `conversation`: the copy's conversation (a fallback post goes there).
   */
  async rememberCard(
    cardId: string,
    ref: MessageRef,
    conversation?: { chatId?: string; userId?: string },
  ): Promise<void> {
    // `confirmed` is a live promise, not data: never stored.
    if (this.deps.outbox)
      return this.deps.outbox.rememberCard(
        cardId,
        { platform: ref.platform, id: ref.id, platformRef: ref.platformRef },
        conversation,
      );
    const refs = this.cardRefs.get(cardId) ?? [];
    refs.push(ref);
    // an approval card has a copy in the group and one per approver (issue 8): keep enough of them
    this.cardRefs.set(cardId, refs.slice(-20));
    if (this.cardRefs.size > 5000) this.cardRefs.delete(this.cardRefs.keys().next().value as string);
  }

  /**
   * Updates every remembered copy of a card on one platform, directly; failures are logged. Used
   * without an outbox and for read-only paths; a changing command's refresh is an outbox row
   * instead (see `changing`).
   */
  async refreshCard(platform: PlatformName, card: Card): Promise<void> {
    const adapter = this.adapters.get(platform);
    const refs = this.deps.outbox
      ? await this.deps.outbox.cardRefs(card.id, platform).catch((err) => {
          this.deps.logger.warn({ err: (err as Error).message, cardId: card.id }, 'card references not readable');
          return [];
        })
      : (this.cardRefs.get(card.id) ?? []);
    for (const ref of refs) {
      if (!adapter || ref.platform !== platform) continue;
      try {
        await adapter.updateCard(ref, card);
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message, cardId: card.id, platform }, 'card refresh failed');
      }
    }
  }

  /**
   * Handles one normalised event. Events of one conversation are handled one after another, in
   * arrival order (a click and the next command cannot overtake each other); conversations run in
   * parallel. Never throws: errors become a Chinese reply and a log line.
   */
  processEvent(e: InboundEvent): Promise<void> {
    const key = `${e.platform}:${e.chatId ?? `dm:${e.userId}`}`;
    const prev = this.queues.get(key) ?? Promise.resolve();
    const run = prev.then(() => this.handle(e)).then((outcome) => this.deps.onOutcome?.(e.platform, outcome));
    this.queues.set(key, run);
    void run.finally(() => {
      if (this.queues.get(key) === run) this.queues.delete(key);
    });
    return run;
  }

  /** How the bot answers in the conversation of `e`: `say` and `refreshCard` (the one place they are built). */
  private conversation(e: InboundEvent): Pick<HubContext, 'say' | 'refreshCard'> {
    return {
      say: async (m: PersonMessage | string) => {
        const pm: PersonMessage = typeof m === 'string' ? { text: m, mentions: [] } : m;
        const ref = await e.reply(toPlatformMessage(e.platform, pm, this.deps.directory));
        if (ref && pm.card) await this.rememberCard(pm.card.id, ref, conversationOf(e));
      },
      refreshCard: (card: Card) => this.refreshCard(e.platform, card),
    };
  }

  /** Runs the middleware (see middleware.ts), then the command or card action; errors end in `fail`. */
  private async handle(e: InboundEvent): Promise<'ok' | 'refused' | 'failed'> {
    const ctx: HubContext = { event: e, ...this.conversation(e) };
    try {
      await compose(this.steps, (c) => this.dispatch(c))(ctx);
      return 'ok';
    } catch (err) {
      return this.fail(err, e, ctx.say);
    }
  }

  /**
   * Runs a command or card action that may change something (issue 14 item 1). With an outbox it
   * runs in ONE transaction with everything it queues (ledger, domain notices, its `say` replies,
   * key `reply:<platform>:<eventId>:<n>`); after commit the rows for this conversation are
   * delivered through the event's `reply` and marked sent — or released to the delivery worker
   * when the reply path fails (passive window over and response_url used, …). Rows for other
   * chats are the worker's. A rollback sends nothing of it (the error reply goes out directly).
   *
   * Card updates the command makes (`refreshCard`, a click's `updateCard`) are outbox rows of the
   * same transaction too (issue 14 item 1): one per remembered copy, delivered by the worker with
   * `adapter.updateCard`; the clicked copy's row is delivered after commit through the click's
   * own `updateCard` (inside its answer window) and marked sent, or left to the worker, which
   * posts the card anew. A refresh during a click skips the clicked copy (`clickedRefId`) once
   * the click updated it inline.
   */
  private async changing(
    e: InboundEvent,
    fn: (say: CommandContext['say'], cards: CardOps) => Promise<void>,
  ): Promise<void> {
    const outbox = this.deps.outbox;
    const dir = this.deps.directory;
    const render = (m: PersonMessage | string): OutboundMessage =>
      toPlatformMessage(e.platform, typeof m === 'string' ? { text: m, mentions: [] } : m, dir);
    if (!outbox) {
      await fn(
        async (m) => {
          const msg = render(m);
          const ref = await e.reply(msg);
          if (ref && msg.card) await this.rememberCard(msg.card.id, ref, conversationOf(e));
        },
        {
          refresh: (card) => this.refreshCard(e.platform, card),
          update: (card) => (e.type === 'card.action' ? e.updateCard(card) : this.refreshCard(e.platform, card)),
        },
      );
      return;
    }
    const origin = {
      platform: e.platform,
      eventId: e.eventId,
      ...(e.chatId ? { chatId: e.chatId } : { userId: e.userId }),
    };
    const { replies } = await outbox.withinCommand(origin, async (queue, cards) => {
      const inlined = new Set<string>();
      await fn((m) => queue(render(m)), {
        refresh: (card) =>
          cards.refresh(card, e.type === 'card.action' && inlined.has(card.id) ? e.clickedRefId : undefined),
        update: async (card) => {
          if (e.type !== 'card.action') return cards.refresh(card);
          inlined.add(card.id);
          await cards.inline(card, e.clickedRefId);
        },
      });
      await this.deps.markHandled?.(e.platform, e.eventId);
    });
    for (const r of replies) {
      if (r.kind === 'card_update') {
        await this.deliverInlineCard(e, r);
        continue;
      }
      let ref: MessageRef | undefined;
      try {
        ref = (await e.reply(r.message)) ?? undefined;
      } catch (err) {
        this.deps.logger.warn(
          { err: (err as Error).message, outboxId: r.id },
          'reply failed; left to the delivery worker',
        );
      }
      const record = async (sent: MessageRef | undefined) => {
        try {
          if (sent) await outbox.markSent(r.id, sent);
          else await outbox.release(r.id);
        } catch (err) {
          this.deps.logger.warn(
            { err: (err as Error).message, outboxId: r.id },
            'reply state not recorded; its lease will expire',
          );
        }
      };
      if (ref?.confirmed) {
        // Not with the platform yet (a passive answer is written after this returns): sent once it
        // is, else the worker's (a crash in between leaves the row leased: delivered later).
        const { confirmed, ...stored } = ref;
        void confirmed.then((ok) => record(ok ? stored : undefined));
      } else await record(ref);
    }
  }

  /** Delivers a click's inline card-update row through the click's answer; else the worker's. */
  private async deliverInlineCard(e: InboundEvent, r: { id: number; message: OutboundMessage }): Promise<void> {
    const outbox = this.deps.outbox!;
    let done = false;
    try {
      if (e.type === 'card.action' && r.message.card) {
        await e.updateCard(r.message.card);
        done = true;
      }
    } catch (err) {
      this.deps.logger.warn(
        { err: (err as Error).message, outboxId: r.id },
        'inline card update failed; left to the delivery worker',
      );
    }
    try {
      if (done) await outbox.markSent(r.id, null);
      else await outbox.release(r.id);
    } catch (err) {
      this.deps.logger.warn(
        { err: (err as Error).message, outboxId: r.id },
        'card update state not recorded; its lease will expire',
      );
    }
  }

  /** The last step: a card action, or a command (with the hints for non-commands and unknown ones). */
  private async dispatch(ctx: HubContext): Promise<void> {
    const e = ctx.event;
    const base = {
      platform: e.platform,
      chat: ctx.chat ?? null,
      actor: ctx.actor!,
      say: ctx.say,
      refreshCard: ctx.refreshCard,
    };
    if (e.type === 'card.action')
      return this.changing(e, (say, cards) =>
        this.runAction(e, { ...base, say, refreshCard: cards.refresh }, cards.update),
      );
    const parsed = parseCommand(e.text);
    if (!parsed) {
      await ctx.say(
        `请以“/”开头输入命令，例如：/上报 某平台出现关于我单位的负面帖子 https://…\n发送 /帮助 查看全部命令。`,
      );
      return;
    }
    const def = this.find(parsed.name);
    if (!def) {
      await ctx.say(`未知命令：/${parsed.name}\n发送 /帮助 查看全部命令。`);
      return;
    }
    const cmd = { ...base, typed: parsed.name, args: parsed.args, tokens: parsed.tokens };
    if (def.readOnly) await def.run(cmd);
    else await this.changing(e, (say, cards) => def.run({ ...cmd, say, refreshCard: cards.refresh }));
  }

  private async runAction(
    e: InboundCardActionEvent,
    base: Omit<ActionContext, 'cardId' | 'key' | 'arg' | 'updateCard'>,
    update: (card: Card) => Promise<void>,
  ): Promise<void> {
    const sep = e.key.indexOf(':');
    const prefix = sep < 0 ? e.key : e.key.slice(0, sep);
    const handler = this.actions.get(prefix);
    if (!handler) {
      this.deps.logger.warn({ key: e.key, cardId: e.cardId }, 'card action with an unknown key: ignored');
      await base.say('该按钮已失效。');
      return;
    }
    await handler({
      ...base,
      cardId: e.cardId,
      key: e.key,
      arg: sep < 0 ? '' : e.key.slice(sep + 1),
      updateCard: update,
    });
  }

  private async fail(err: unknown, e: InboundEvent, say: (m: string) => Promise<void>): Promise<'refused' | 'failed'> {
    let text: string;
    // A database outage is a failure (not the user's mistake), though its text is shown.
    const exposed = err instanceof CodedError && err.expose && !(err instanceof DatabaseUnavailableError);
    if (err instanceof DatabaseUnavailableError) {
      // The store logs the outage once per interval; one line per refused event would flood the log.
      text = err.message;
      this.deps.logger.debug({ code: err.code, platform: e.platform, eventId: e.eventId }, 'database unavailable');
    } else if (err instanceof CodedError && err.expose) {
      text = err.message;
      if (err instanceof UsageError && err.usage) text += `\n用法：${err.usage}`;
      this.deps.logger.info({ code: err.code, platform: e.platform, eventId: e.eventId }, 'command refused');
    } else {
      text = '处理出错，请稍后再试。错误已记录，如持续出现请联系管理员。';
      this.deps.logger.error({ err, platform: e.platform, eventId: e.eventId }, 'event handling failed');
    }
    try {
      await say(text);
    } catch (replyErr) {
      this.deps.logger.error({ err: replyErr }, 'could not deliver the error reply');
    }
    return exposed ? 'refused' : 'failed';
  }
}
