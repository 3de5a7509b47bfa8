/**
 * Shapes the sandbox stores and serves. The JSON API returns `SandboxMessage`s exactly as stored.
 */
import type { Card } from '../../types.js';

/**
 * One message in a sandbox conversation (group chat or 1:1).
 * - `from`: the sender's person id, or `"bot"`.
 * - `text`: mentions already rendered as `@姓名`.
 * - `mentions`: person ids mentioned, in order of appearance, each once.
 * - `card`: the neutral card, replaced in place when it is updated (the message keeps its id).
 * - `at`: ISO-8601 UTC instant the message was stored (e.g. `2026-11-29T02:03:04.567Z`).
 */
export interface SandboxMessage {
  id: string;
  from: string;
  text: string;
  mentions: string[];
  card?: Card;
  at: string;
}

/** The sender id the sandbox uses for the bot's own messages. */
export const BOT_SENDER = 'bot';

/** What a change to a conversation was: a new message, or a card replaced in place. */
export type TranscriptChange = 'message' | 'update';

/**
 * The logging the sandbox needs; a pino `Logger` fits. First argument is structured context, second
 * the (English) message. Never pass secrets.
 */
export interface SandboxLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
