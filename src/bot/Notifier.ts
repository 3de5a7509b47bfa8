/**
 * Notice routing (issue 14): fans a domain `Notice` out to its platform deliveries — the chat on
 * every platform it is bound on, and 1:1 to `directTo` where the platform allows — rendered per
 * platform (`toPlatformMessage`). The store calls `routeNotice` inside the change's transaction
 * (`IncidentRepo.enqueueNotice`), so every delivery is an outbox row committed with its cause;
 * only the delivery worker sends them.
 */
import { randomUUID } from 'node:crypto';
import type { Notice, Notifier, RoutedDelivery, UnitOfWork } from '../domain/ports.js';
import { toPlatformMessage, type PeopleLookup } from './outbound.js';
import type { PlatformName } from './types.js';

/** A chat's bindings (the config `chats[]` entry satisfies it). */
export interface ChatBindings {
  id: string;
  sandbox?: boolean;
  wecomChatId?: string;
  dingtalkChatId?: string;
}

/** Directory look-ups the router needs. */
export interface NotifierDirectory extends PeopleLookup {
  chat(id: string): ChatBindings | undefined;
}

/** Which platform chat id a config chat has on a platform, if any. */
export function platformChatId(platform: PlatformName, chat: ChatBindings): string | undefined {
  if (platform === 'sandbox') return chat.sandbox === false ? undefined : chat.id;
  return platform === 'wecom' ? chat.wecomChatId : chat.dingtalkChatId;
}

/** A platform notices go to: whether it can send 1:1 (`direct`) and whether it pings `Notice.ping` people. */
export interface RoutePlatform {
  platform: PlatformName;
  direct: boolean;
  /** Reach `Notice.ping` people 1:1 with the card (WeCom with the self-built app, issue 12 item 3). */
  ping?: boolean;
}

/**
 * The deliveries of `n` on `platforms`: its chat where bound, then each `directTo` person bound
 * on the platform (1:1 without the card, unless `n.cardDirect`: approval cards go 1:1 too, issue 8;
 * the worker then stores each copy's card reference), then on platforms that `ping`, each
 * `n.ping` person not already reached 1:1, with the card. `direct` says which platforms can send
 * 1:1 (the WeCom AI bot alone cannot). An unknown chat yields no chat delivery.
 */
export function routeNotice(n: Notice, platforms: RoutePlatform[], directory: NotifierDirectory): RoutedDelivery[] {
  const chat = n.chatId ? directory.chat(n.chatId) : undefined;
  const out: RoutedDelivery[] = [];
  for (const { platform, direct, ping } of platforms) {
    const chatId = chat ? platformChatId(platform, chat) : undefined;
    if (chatId) out.push({ platform, to: { chatId }, message: toPlatformMessage(platform, n, directory) });
    if (!direct) continue;
    const reached = new Set<string>();
    const oneToOne = (personId: string, withCard: boolean) => {
      const userId = directory.platformUserId(platform, personId);
      if (!userId || reached.has(userId)) return;
      reached.add(userId);
      out.push({
        platform,
        to: { userId },
        message: toPlatformMessage(platform, withCard ? n : { ...n, card: undefined }, directory),
      });
    };
    for (const personId of n.directTo ?? []) oneToOne(personId, !!n.cardDirect);
    if (ping) for (const personId of n.ping ?? []) oneToOne(personId, true);
  }
  return out;
}

/**
 * A `Notifier` for notices outside any incident change (operators, tests): queues the notice in
 * the outbox in its own transaction, under `key` (default: a fresh `notice:<uuid>`).
 */
export class OutboxNotifier implements Notifier {
  constructor(private readonly uow: UnitOfWork) {}

  async notify(n: Notice, key = `notice:${randomUUID()}`): Promise<void> {
    await this.uow.transaction((repo) => repo.enqueueNotice(key, null, n));
  }
}
