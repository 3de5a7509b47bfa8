/**
 * The reply state of one callback received over the AI-bot long connection (wecom.md §1c). While
 * the answer window is open, `reply()` and `updateCard()` only collect; the adapter then sends
 * what was collected as ONE `aibot_respond_msg` (a message) or `aibot_respond_update_msg` (a card
 * click, within 5 s [101031]) echoing the callback's req_id. After the window every reply is "late"
 * and goes out as a proactive `aibot_send_msg` into the same conversation (no webhook key needed).
 */
import type { Logger } from 'pino';
import type { MessageRef, OutboundMessage } from '../../../types.js';
import { ReplyWindow } from '../reply-window.js';

/** What the session needs from the adapter. */
export interface WsReplySessionDeps {
  /** Dedupe id of the callback (msgid), for logs and message refs. */
  eventId: string;
  /** Stream id of the answer. */
  streamId: string;
  logger: Logger;
  /** Sends a late reply proactively into the callback's conversation (throws on failure). */
  deliverLate(m: OutboundMessage): Promise<MessageRef>;
}

/** Reply routing for one long-connection callback; see the module comment and `ReplyWindow`. */
export class WsReplySession extends ReplyWindow {
  constructor(private readonly deps: WsReplySessionDeps) {
    super(
      deps.eventId,
      deps.streamId,
      deps.logger,
      'ws_respond',
      'wecom card update after the 5-s answer window is not possible; dropped',
    );
  }

  /** A late reply goes out proactively (`aibot_send_msg`); a failure throws, so the hub leaves the row to the outbox worker. */
  deliverLate(m: OutboundMessage): Promise<MessageRef> {
    return this.deps.deliverLate(m);
  }
}
