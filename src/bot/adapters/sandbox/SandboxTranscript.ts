/**
 * The sandbox's in-memory transcript: per conversation a bounded list of messages, an index of cards
 * by card id, and change notifications (an EventEmitter) that feed Server-Sent Events and the
 * `waitFor` test hook. A simulation only: a restart clears it (the ledger in PostgreSQL keeps
 * everything that matters).
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../../errors.js';
import type { Card } from '../../types.js';
import type { SandboxMessage, TranscriptChange } from './sandbox-types.js';

/** A message to store: everything but the id and time, which the transcript assigns. */
export type MessageDraft = Omit<SandboxMessage, 'id' | 'at'>;

/** Listener for changes in one conversation; receives a copy of the message after the change. */
export type ChangeListener = (kind: TranscriptChange, message: SandboxMessage) => void;

/** In-memory message store; see the file comment. */
export class SandboxTranscript {
  private readonly conversations = new Map<string, SandboxMessage[]>();
  /** message id → conversation id */
  private readonly messageHome = new Map<string, string>();
  /** card id → id of the latest message carrying that card */
  private readonly cardHome = new Map<string, string>();
  private readonly emitter = new EventEmitter();

  /**
   * @param maxPerConversation messages kept per conversation (oldest dropped first); at least 1.
   * @param now clock for `at` (ms since epoch); injectable for tests.
   */
  constructor(
    private readonly maxPerConversation: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxPerConversation) || maxPerConversation < 1) {
      throw new RangeError(`maxPerConversation must be a positive integer, got ${maxPerConversation}`);
    }
    this.emitter.setMaxListeners(0);
  }

  /** Stores a new message (deep-copied), assigns `id` (UUID) and `at` (ISO UTC), notifies listeners. */
  append(conversationId: string, draft: MessageDraft): SandboxMessage {
    const message: SandboxMessage = {
      id: randomUUID(),
      from: draft.from,
      text: draft.text,
      mentions: [...draft.mentions],
      ...(draft.card ? { card: structuredClone(draft.card) } : {}),
      at: new Date(this.now()).toISOString(),
    };
    const list = this.conversations.get(conversationId) ?? [];
    list.push(message);
    this.conversations.set(conversationId, list);
    this.messageHome.set(message.id, conversationId);
    if (message.card) this.cardHome.set(message.card.id, message.id);
    while (list.length > this.maxPerConversation) this.forget(list.shift()!);
    this.emit(conversationId, 'message', message);
    return structuredClone(message);
  }

  /** Copies of the messages of a conversation, oldest first (empty if none). */
  list(conversationId: string): SandboxMessage[] {
    return structuredClone(this.conversations.get(conversationId) ?? []);
  }

  /** A copy of message `messageId` and its conversation, or undefined. */
  findMessage(messageId: string): { conversationId: string; message: SandboxMessage } | undefined {
    const found = this.locate(messageId);
    return found && { conversationId: found.conversationId, message: structuredClone(found.message) };
  }

  /** Where the latest message carrying card `cardId` lives, or undefined. */
  findCard(cardId: string): { conversationId: string; message: SandboxMessage } | undefined {
    const messageId = this.cardHome.get(cardId);
    if (!messageId) return undefined;
    const found = this.locate(messageId);
    return found && { conversationId: found.conversationId, message: structuredClone(found.message) };
  }

  /**
   * Every message carrying card `cardId` (a card may be posted to several conversations: the group
   * and each approver 1:1), newest first, each with its conversation.
   */
  findCardCopies(cardId: string): Array<{ conversationId: string; message: SandboxMessage }> {
    const out: Array<{ conversationId: string; message: SandboxMessage; seq: number }> = [];
    for (const [conversationId, messages] of this.conversations)
      for (const message of messages)
        if (message.card?.id === cardId)
          out.push({ conversationId, message: structuredClone(message), seq: out.length });
    return out
      .sort((a, b) => b.message.at.localeCompare(a.message.at) || b.seq - a.seq)
      .map(({ conversationId, message }) => ({ conversationId, message }));
  }

  /**
   * Replaces the card of message `messageId` in place (same message id, same position) and notifies
   * listeners with an `update`. Returns the updated copy.
   * @throws NotFoundError when the message is unknown (or already dropped from the bounded history).
   */
  replaceCard(messageId: string, card: Card): SandboxMessage {
    const found = this.locate(messageId);
    if (!found) throw new NotFoundError(`沙盒中没有这条消息（可能已被清理）：${messageId}`);
    const { conversationId, message } = found;
    if (message.card && this.cardHome.get(message.card.id) === message.id) this.cardHome.delete(message.card.id);
    message.card = structuredClone(card);
    this.cardHome.set(card.id, message.id);
    this.emit(conversationId, 'update', message);
    return structuredClone(message);
  }

  /** Drops every message of every conversation (listeners stay subscribed). */
  clear(): void {
    this.conversations.clear();
    this.messageHome.clear();
    this.cardHome.clear();
  }

  /** Subscribes to changes of one conversation; returns the unsubscribe function. */
  subscribe(conversationId: string, listener: ChangeListener): () => void {
    const channel = `change:${conversationId}`;
    this.emitter.on(channel, listener);
    return () => {
      this.emitter.off(channel, listener);
    };
  }

  /**
   * Resolves with the first message of `conversationId` matching `predicate`: an existing one (oldest
   * first), else the next one appended or updated so that it matches. Event-driven, no polling.
   * @throws Error (rejects) after `timeoutMs` ms, naming the conversation and the last texts seen.
   */
  waitFor(
    conversationId: string,
    predicate: (m: SandboxMessage) => boolean,
    timeoutMs: number,
  ): Promise<SandboxMessage> {
    const existing = this.list(conversationId).find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        const seen = this.list(conversationId)
          .slice(-5)
          .map((m) => `${m.from}: ${m.text}${m.card ? ` [卡片 ${m.card.title}]` : ''}`);
        reject(
          new Error(
            `no matching message in sandbox conversation "${conversationId}" within ${timeoutMs} ms; last messages: ${JSON.stringify(seen)}`,
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.subscribe(conversationId, (_kind, m) => {
        if (!predicate(m)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(m);
      });
    });
  }

  private locate(messageId: string): { conversationId: string; message: SandboxMessage } | undefined {
    const conversationId = this.messageHome.get(messageId);
    const message = conversationId
      ? this.conversations.get(conversationId)?.find((m) => m.id === messageId)
      : undefined;
    return conversationId && message ? { conversationId, message } : undefined;
  }

  private forget(message: SandboxMessage): void {
    this.messageHome.delete(message.id);
    if (message.card && this.cardHome.get(message.card.id) === message.id) this.cardHome.delete(message.card.id);
  }

  private emit(conversationId: string, kind: TranscriptChange, message: SandboxMessage): void {
    const channel = `change:${conversationId}`;
    for (const listener of this.emitter.listeners(channel) as ChangeListener[])
      listener(kind, structuredClone(message));
  }
}
