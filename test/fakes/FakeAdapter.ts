/**
 * A `PlatformAdapter` for hub tests: `emit` hands the Bot an event as an adapter would (normalised)
 * and resolves when it is handled; replies, sends and card updates are recorded.
 */
import type {
  Card,
  ConversationRef,
  EventSink,
  InboundEvent,
  MessageRef,
  OutboundMessage,
  PlatformAdapter,
  PlatformName,
} from '../../src/bot/types.js';

type EventInput =
  | { type?: 'message'; text: string; chatId?: string; userId?: string; eventId?: string; userName?: string }
  | { type: 'card.action'; cardId: string; key: string; chatId?: string; userId?: string; eventId?: string };

export class FakeAdapter implements PlatformAdapter {
  readonly replies: Array<{ eventId: string; message: OutboundMessage }> = [];
  readonly sent: Array<{ to: ConversationRef; message: OutboundMessage }> = [];
  readonly cardUpdates: Array<{ ref: MessageRef; card: Card }> = [];
  private sink?: EventSink;
  private n = 0;

  constructor(readonly platform: PlatformName = 'wecom') {}

  init(sink: EventSink): void {
    this.sink = sink;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(to: ConversationRef, message: OutboundMessage): Promise<MessageRef> {
    this.sent.push({ to, message });
    return { platform: this.platform, id: `sent-${this.sent.length}` };
  }
  async updateCard(ref: MessageRef, card: Card): Promise<void> {
    this.cardUpdates.push({ ref, card });
  }

  /** Texts of the replies so far. */
  texts(): string[] {
    return this.replies.map((r) => r.message.text);
  }

  /** Delivers one event (default: a group message from `u1` in chat `g1`) and waits until it is handled. */
  async emit(input: EventInput): Promise<void> {
    if (!this.sink) throw new Error('FakeAdapter: attach it to a Bot first');
    const eventId = input.eventId ?? `ev-${++this.n}`;
    const base = {
      platform: this.platform,
      eventId,
      chatId: 'chatId' in input ? input.chatId : 'g1',
      userId: input.userId ?? 'u1',
      at: 0,
      reply: async (message: OutboundMessage): Promise<MessageRef> => {
        this.replies.push({ eventId, message });
        return { platform: this.platform, id: `reply-${this.replies.length}` };
      },
    };
    const e: InboundEvent =
      input.type === 'card.action'
        ? { ...base, type: 'card.action', cardId: input.cardId, key: input.key, updateCard: async () => {} }
        : { ...base, type: 'message', text: input.text, userName: input.userName };
    await this.sink(e);
  }
}
