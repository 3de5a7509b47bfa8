/**
 * The platform-neutral chat model. Adapters turn their transport into `InboundEvent`s completely
 * (verified, decrypted, deduped, normalised) and render `OutboundMessage`s into their own format.
 * Nothing outside `bot/adapters/<x>/` knows a platform's wire format.
 */
import type Router from '@koa/router';
import type { CardSpec } from '../domain/ports.js';

export type PlatformName = 'wecom' | 'dingtalk' | 'sandbox';

/** Where a message goes: a group chat (platform chat id) or one person (platform user id). */
export interface ConversationRef {
  platform: PlatformName;
  /** The platform's chat id (WeCom chatid, DingTalk openConversationId, sandbox chat id). */
  chatId?: string;
  /** The platform's user id, for a 1:1 message. */
  userId?: string;
}

/** A neutral card: title, short fields, buttons (the domain's `CardSpec`). Adapters render it as template_card / interactive card. */
export type Card = CardSpec;
/** A button on a card. `key` comes back in the `card.action` event. */
export type CardButton = CardSpec['buttons'][number];

/**
 * A message to send. `text` is markdown-light (bold `**`, line breaks) and may hold `@{userId}`
 * tokens where a mention belongs; `mentions` are platform user ids to @-mention. The adapter renders
 * each token in its platform's form (`<@userid>` on WeCom, `@userId` on DingTalk) and appends the
 * mentions that have no token.
 */
export interface OutboundMessage {
  text: string;
  mentions?: string[];
  card?: Card;
}

/** Identifies a sent message, for card updates. `platformRef` is whatever the adapter needs. */
export interface MessageRef {
  platform: PlatformName;
  id: string;
  platformRef?: unknown;
  /**
   * Present when the message is not yet with the platform (a WeCom passive reply is written with
   * the HTTP answer, after the handler returned): resolves true once it is (the answer was
   * flushed), false when it surely is not. Absent: the platform already has it. Not persisted.
   */
  confirmed?: Promise<boolean>;
}

/** Common fields of every inbound event. Ids are the platform's. */
interface InboundBase {
  platform: PlatformName;
  /** Platform-unique event id used for dedupe (msgid, msgId, …). */
  eventId: string;
  /** Platform chat id; absent in a 1:1 conversation. */
  chatId?: string;
  /** Platform user id of the sender / clicker. */
  userId: string;
  userName?: string;
  /** Receipt time (ms since epoch). */
  at: number;
  /**
   * Reply to this event in its conversation. Adapters implement it with whatever the platform gives
   * (passive reply, response_url, sessionWebhook, sandbox store). May be called more than once.
   */
  reply(m: OutboundMessage): Promise<MessageRef | void>;
}

/** A text message addressed to the bot (the leading @BotName already stripped by the adapter or not). */
export interface InboundMessageEvent extends InboundBase {
  type: 'message';
  text: string;
}

/** A click on a card button. */
export interface InboundCardActionEvent extends InboundBase {
  type: 'card.action';
  cardId: string;
  key: string;
  /**
   * Update the card the click came from (WeCom: passive update within 5 s; sandbox: in place).
   * Adapters without an inline update fall back to `PlatformAdapter.updateCard`. With an outbox
   * the hub calls it after the command's commit, to deliver the click's inline card-update row
   * (resolving = delivered; throwing = the worker posts the card as a new message instead).
   */
  updateCard(card: Card): Promise<void>;
  /**
   * The stored ref id (`MessageRef.id`, as in card_refs) of the copy that was clicked, when the
   * adapter knows it: a refresh of that card then skips this copy, which the inline update covers.
   */
  clickedRefId?: string;
}

export type InboundEvent = InboundMessageEvent | InboundCardActionEvent;

/** The sink an adapter hands events to (the Bot hub). Resolves when the event is fully handled. */
export type EventSink = (e: InboundEvent) => Promise<void>;

/**
 * A chat platform. HTTP-callback adapters mount `routes`; long-connection ones use `start`/`stop`.
 * `send` is proactive posting (chases, escalations, rollups).
 */
export interface PlatformAdapter {
  readonly platform: PlatformName;
  init(sink: EventSink): void;
  routes?(router: Router): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  send(to: ConversationRef, m: OutboundMessage): Promise<MessageRef>;
  /**
   * Whether this instance can send on the platform now (absent: always). False leaves the
   * platform's outbox rows to another instance: e.g. the WeCom AI bot over its long connection,
   * which only the instance holding the connection can use (wecom.md §1c).
   */
  canSend?(): boolean;
  updateCard(ref: MessageRef, card: Card): Promise<void>;
}

export type { EventDedupe } from '../domain/ports.js';

/**
 * The outbox as the hub uses it for command replies (implemented by `store/PgOutbox`, wired in
 * app.ts). See `Bot.handle`: a command that may change something runs in `withinCommand`, so
 * its ledger change, the notices the domain queued and its replies commit in ONE transaction;
 * after commit the hub delivers the rows queued for the command's own conversation through the
 * event's `reply` (WeCom passive reply / response_url, sandbox) and marks them sent, or gives
 * them to the delivery worker.
 */
export interface ReplyOutbox {
  /**
   * `cards.refresh(card, skipRefId?)` queues an update of every remembered copy of `card` on the
   * origin's platform, `cards.inline(card)` one of the clicked copy (returned among `replies` with
   * kind `card_update`, for the hub to deliver through `InboundCardActionEvent.updateCard`). Both
   * are outbox rows of the command's transaction (see `CardUpdateQueue` in domain/outbox.ts).
   */
  withinCommand<T>(
    origin: { platform: PlatformName; chatId?: string; userId?: string; eventId: string },
    fn: (
      say: (m: OutboundMessage) => Promise<void>,
      cards: {
        refresh(card: Card, skipRefId?: string): Promise<void>;
        inline(card: Card, clickedRefId?: string): Promise<void>;
      },
    ) => Promise<T>,
  ): Promise<{ value: T; replies: Array<{ id: number; kind: string; message: OutboundMessage }> }>;
  /** The row was delivered (`ref`: where, kept as a card reference when it carried a card). */
  markSent(id: number, ref: MessageRef | null): Promise<void>;
  /** The row could not be delivered as a reply: the delivery worker takes it now. */
  release(id: number): Promise<void>;
  /** Where a card was sent on a platform (persisted: survives a restart). */
  cardRefs(cardId: string, platform: PlatformName): Promise<MessageRef[]>;
  rememberCard(cardId: string, ref: MessageRef, conversation?: { chatId?: string; userId?: string }): Promise<void>;
}
