/**
 * The outbox's port (issue 14): what the delivery worker (`delivery/`) and the command reply path
 * (`bot/Bot.ts`) need from the store (`store/PgOutbox.ts`). Types only. The shapes are
 * platform-neutral JSON: `message` is a `RoutedDelivery['message']`, `conversation` its `to`.
 */
import type { RoutedDelivery } from './ports.js';

/**
 * A row as the worker handles it. `destination` is `chat:<platform chat id>` or `user:<platform
 * user id>`; for a card update `card:<ref id>` (updates of one copy in order, never held up by, nor
 * counted in, the chat's message rate) or `card:inline:<event id>` (the clicked copy).
 */
export interface OutboxRow {
  id: number;
  key: string;
  platform: string;
  destination: string;
  conversation: RoutedDelivery['to'];
  incidentId: string | null;
  /** `card_update`: re-render `message.card` on the copy `cardRef` (see `OutboxPort.withinCommand`). */
  kind: 'notice' | 'reply' | 'card_update';
  message: RoutedDelivery['message'];
  /** A card update's target copy; null for the clicked copy (inline) and for every other kind. */
  cardRef: StoredMessageRef | null;
  attempts: number;
  createdAt: Date;
}

/** Where a command came from: its platform conversation and event id (for reply keys). */
export interface ReplyOrigin {
  platform: string;
  chatId?: string;
  userId?: string;
  eventId: string;
}

/** A message ref as stored for card refreshes (the adapter's `MessageRef`). */
export interface StoredMessageRef {
  platform: string;
  id: string;
  platformRef?: unknown;
}

/** A remembered copy of a card: its ref and, when known, the conversation it is in. */
export interface StoredCardRef extends StoredMessageRef {
  conversation?: RoutedDelivery['to'];
}

/**
 * Card updates a command queues in its transaction (issue 14 item 1). Each is an outbox row
 * (`kind = 'card_update'`) under `card:<card id>:<ref id|inline>:<platform>:<event id>:<content hash>`:
 * a retried event re-renders the same card under the same key, so it never adds a row.
 */
export interface CardUpdateQueue {
  /**
   * One row per remembered copy of `card` on the origin's platform (card_refs), except the copy
   * `skipRefId` (the clicked one, which `inline` updates). The worker delivers each with
   * `adapter.updateCard(ref, card)`.
   */
  refresh(card: RoutedDelivery['message']['card'] & object, skipRefId?: string): Promise<void>;
  /**
   * The copy the click came from, updated inside the click's answer: the row is leased to the
   * command like a reply and marked sent when the answer carried it (sandbox in place, DingTalk
   * after the hub, WeCom's passive update). `clickedRefId` names the clicked copy's stored ref:
   * the row then carries it, so when the answer did not carry the update the worker updates that
   * copy like any other; without a ref the worker posts the card as a new message in the origin
   * conversation.
   */
  inline(card: RoutedDelivery['message']['card'] & object, clickedRefId?: string): Promise<void>;
}

/** Per-platform rate limit: at most `limit` messages per `windowMs` per destination. */
export interface RateLimit {
  limit: number;
  windowMs: number;
  /** Largest merged message, UTF-8 bytes (WeCom markdown: 4096 [91770]); rows beyond wait. */
  mergeMaxBytes?: number;
  /** More windows on the same sends, each at most `limit` per `windowMs` (WeCom app: 1000 an hour). */
  also?: Array<{ limit: number; windowMs: number }>;
  /** The limit of 1:1 destinations (`user:…`) when it differs (WeCom app: 30 a minute per member, wecom.md §8.4). */
  direct?: Omit<RateLimit, 'direct'>;
}

/**
 * The limit that applies to `destination` on `platform`: the platform's `direct` limit for a 1:1
 * destination (`user:…`) when it has one, else the platform's; undefined = not limited.
 */
export function limitFor(
  limits: Record<string, RateLimit>,
  platform: string,
  destination: string,
): Omit<RateLimit, 'direct'> | undefined {
  const l = limits[platform];
  if (!l) return undefined;
  return destination.startsWith('user:') && l.direct ? l.direct : l;
}

/** Counts for `/healthz` and `/metrics`, per platform. */
/** One outbox row as the delivery-health panel shows it (no message body: it may hold chat text). */
export interface OutboxListRow {
  id: number;
  platform: string;
  destination: string;
  key: string;
  incidentId: string | null;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date;
  deadAt: Date | null;
}

export interface OutboxStats {
  platform: string;
  pending: number;
  retrying: number;
  sent: number;
  dead: number;
}

/** The outbox as the worker and the bot use it. Every method is safe across instances. */
export interface OutboxPort {
  /**
   * Claims up to `max` rows, at most one per destination and only the destination's oldest
   * unsent row (per-destination order, one in flight), skipping rows other instances hold
   * (`FOR UPDATE SKIP LOCKED`), not yet due (backoff) or whose destination is over its rate
   * limit (those destinations are merged: see `mergeQueued`). Claimed rows are leased for
   * `leaseMs`; a crashed holder's lease expires and the row is claimed again. With `platforms`,
   * only rows of those platforms are claimed (an instance that cannot send on a platform right
   * now, e.g. one not holding the WeCom AI-bot long connection, leaves its rows to the holder).
   */
  claim(
    max: number,
    leaseMs: number,
    limits: Record<string, RateLimit>,
    platforms?: readonly string[],
  ): Promise<OutboxClaim>;
  /** Marks a row (and the rows merged into it) sent, stores `ref` as a card reference when it carried a card. */
  markSent(id: number, ref: StoredMessageRef | null): Promise<void>;
  /** Records a failed attempt and when to try again (ms from now). */
  markRetry(id: number, error: string, delayMs: number): Promise<void>;
  /** Fills the current rate window of the destination's limit (`limitFor`): the platform itself said "too many". */
  saturate(platform: string, destination: string, limits: Record<string, RateLimit>): Promise<void>;
  /** Ms since the row's retry period began (creation or an admin's retry). */
  failingForMs(id: number): Promise<number>;
  /** Dead letter: records the error and a `message.failed` ledger entry on the incident. */
  markDead(id: number, error: string): Promise<void>;
  /** A dead row's incident (null: none), or undefined when `id` is no dead letter. */
  deadLetter(id: number): Promise<{ incidentId: string | null } | undefined>;
  /** Puts dead rows (`'all'` or one id) back in the queue; returns how many. */
  retryDead(which: number | 'all'): Promise<number>;
  /**
   * Rows for the delivery-health panel (issue 11): `pending` = not yet sent (pending or being sent,
   * retries included), `dead` = dead letters; oldest first, at most `limit`.
   */
  list(which: 'pending' | 'dead', limit: number): Promise<OutboxListRow[]>;
  /** Counts per platform; the newest dead row's error. */
  stats(): Promise<{ platforms: OutboxStats[]; lastError: { id: number; error: string; at: Date } | null }>;
  /** Instant of the next row that will become claimable (backoff, lease or window end), if any. */
  nextDueAt(): Promise<Date | null>;
  /** Card references of `cardId` on `platform`, oldest first. */
  cardRefs(cardId: string, platform: string): Promise<StoredCardRef[]>;
  /** Remembers where a card was sent (`conversation`: where that copy is, for a fallback post). */
  rememberCard(cardId: string, ref: StoredMessageRef, conversation?: RoutedDelivery['to']): Promise<void>;
  /** Forgets a copy that can no longer be updated (its replacement is remembered when sent). */
  forgetCardRef(cardId: string, platform: string, refId: string): Promise<void>;
  /**
   * Runs `fn` in ONE transaction (every `UnitOfWork.transaction` inside joins it) and returns
   * the rows queued in it for the origin's own conversation: they are leased to the caller for
   * `leaseMs`, who delivers them as the command's reply (passive reply, response_url, sandbox) and
   * then calls `markSent` or `release`. `say` queues a reply message under `reply:<platform>:<eventId>:<n>`;
   * `cards` queues card updates (`CardUpdateQueue`; the inline one is among the replies, kind `card_update`).
   */
  withinCommand<T>(
    origin: ReplyOrigin,
    leaseMs: number,
    fn: (say: (m: RoutedDelivery['message']) => Promise<void>, cards: CardUpdateQueue) => Promise<T>,
  ): Promise<{ value: T; replies: OutboxRow[] }>;
  /** Gives a leased row back to the worker at once (the caller could not deliver it). */
  release(id: number): Promise<void>;
}

/** The outcome of one claim. */
export interface OutboxClaim {
  rows: OutboxRow[];
  /** Destinations over their rate limit in this claim (`platform` + `destination`), for metrics. */
  limited: Array<{ platform: string; destination: string; merged: number }>;
}
