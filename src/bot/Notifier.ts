/**
 * The notifier: delivers domain `Notice`s (chases, escalations, rollups) to every platform a chat
 * is bound on, and 1:1 where the platform allows. Failures are logged, never thrown: a chase that
 * cannot reach one platform must still reach the others.
 */
import type { Logger } from 'pino';
import type { Notice, Notifier } from '../domain/ports.js';
import { toPlatformMessage, type PeopleLookup } from './outbound.js';
import type { MessageRef, PlatformAdapter, PlatformName } from './types.js';

/** A chat's bindings (the config `chats[]` entry satisfies it). */
export interface ChatBindings {
  id: string;
  sandbox?: boolean;
  wecomChatId?: string;
  dingtalkChatId?: string;
}

/** Directory look-ups the notifier needs. */
export interface NotifierDirectory extends PeopleLookup {
  chat(id: string): ChatBindings | undefined;
}

/** Which platform chat id a config chat has on a platform, if any. */
export function platformChatId(platform: PlatformName, chat: ChatBindings): string | undefined {
  if (platform === 'sandbox') return chat.sandbox === false ? undefined : chat.id;
  return platform === 'wecom' ? chat.wecomChatId : chat.dingtalkChatId;
}

export class ChatNotifier implements Notifier {
  constructor(
    private readonly deps: {
      adapters: PlatformAdapter[];
      directory: NotifierDirectory;
      logger: Logger;
      /** Told where each card went, so its copies can be updated later (the Bot's `rememberCard`). */
      rememberCard?: (cardId: string, ref: MessageRef) => void;
    },
  ) {}

  /**
   * Sends the notice to its chat on every bound platform, then 1:1 to `directTo` (with the card only
   * when `cardDirect`). Never throws.
   */
  async notify(n: Notice): Promise<void> {
    const { directory, logger } = this.deps;
    const chat = n.chatId ? directory.chat(n.chatId) : undefined;
    if (n.chatId && !chat) logger.warn({ chatId: n.chatId }, 'notice for an unknown chat: not sent');
    for (const adapter of this.deps.adapters) {
      const msg = toPlatformMessage(adapter.platform, n, directory);
      const chatId = chat ? platformChatId(adapter.platform, chat) : undefined;
      if (chatId) {
        try {
          const ref = await adapter.send({ platform: adapter.platform, chatId }, msg);
          if (n.card) this.deps.rememberCard?.(n.card.id, ref);
        } catch (err) {
          logger.warn(
            { err: (err as Error).message, platform: adapter.platform, chatId: chat!.id },
            'group notice not delivered',
          );
        }
      }
      for (const personId of n.directTo ?? []) {
        const userId = directory.platformUserId(adapter.platform, personId);
        if (!userId) continue;
        try {
          const ref = await adapter.send(
            { platform: adapter.platform, userId },
            toPlatformMessage(adapter.platform, n.cardDirect ? n : { ...n, card: undefined }, directory),
          );
          if (n.cardDirect && n.card) this.deps.rememberCard?.(n.card.id, ref);
        } catch (err) {
          logger.debug(
            { err: (err as Error).message, platform: adapter.platform, personId },
            '1:1 notice not delivered',
          );
        }
      }
    }
  }
}
