/**
 * Who and what the sandbox knows: its chats, their members and the people who can be messaged 1:1.
 * `main.ts` builds a `SandboxDirectory` from the organisation config; the sandbox's chat ids ARE the
 * config chat ids and its user ids ARE the config person ids (no mapping table).
 */
import { NotFoundError } from '../../../errors.js';

/**
 * A role a member holds in the chat's unit (domain.md "Who takes part"). Only used for the page's
 * badges (第一责任人, 直接责任人, …); the sandbox never decides anything from it. Other strings are
 * shown as given.
 */
export type SandboxRole =
  | 'firstResponsible'
  | 'directResponsible'
  | 'spokesperson'
  | 'office'
  | 'leadershipGroup'
  | 'upperAuthority'
  | (string & {});

/** A person as the sandbox shows them. `id` is the config person id (= sandbox user id). */
export interface SandboxMember {
  id: string;
  name: string;
  title?: string;
  /** Roles in the chat's unit; empty for a plain member. */
  roles: SandboxRole[];
  wecomUserId?: string;
  dingtalkUserId?: string;
}

/** A group chat. `id` is the config chat id (= sandbox chat id). */
export interface SandboxChat {
  id: string;
  name: string;
  /** Display name of the unit the chat belongs to. */
  unitName: string;
  wecomChatId?: string;
  dingtalkChatId?: string;
  members: SandboxMember[];
}

/** Everything the sandbox adapter needs to know about the organisation (built by `main.ts` from config). */
export interface SandboxDirectory {
  /** The bot's display name (config `bot.name`), shown on the page and highlighted as a mention. */
  botName: string;
  /** IANA business time zone (config `timezone`); the page shows times in it. */
  timezone: string;
  chats: SandboxChat[];
  /**
   * Everyone who can be messaged 1:1 or mentioned, also people in no sandbox chat (e.g. the upper
   * authority's contact). Chat members are added automatically; `roles` here may be empty.
   */
  people?: SandboxMember[];
  /** Command texts the page offers as quick-insert hints (e.g. `/帮助`, `/上报 `). */
  commandHints?: string[];
}

/** The prefix of a 1:1 ("私信") conversation id: `@<userId>`. `@` cannot occur in a config id. */
export const DIRECT_PREFIX = '@';

/** The conversation id of the 1:1 conversation between the bot and `userId`. */
export function directConversationId(userId: string): string {
  return `${DIRECT_PREFIX}${userId}`;
}

/** A resolved conversation: a group chat, or the 1:1 conversation of one person. */
export type Conversation =
  | { kind: 'chat'; id: string; chat: SandboxChat }
  | { kind: 'direct'; id: string; person: SandboxMember };

/**
 * Lookup tables over a `SandboxDirectory`. Built once; the directory is not expected to change while
 * the sandbox runs (a config reload builds a new adapter).
 */
export class DirectoryIndex {
  private readonly chats = new Map<string, SandboxChat>();
  private readonly people = new Map<string, SandboxMember>();

  constructor(readonly directory: SandboxDirectory) {
    for (const c of directory.chats) {
      this.chats.set(c.id, c);
      for (const m of c.members) if (!this.people.has(m.id)) this.people.set(m.id, { ...m, roles: [] });
    }
    for (const p of directory.people ?? []) this.people.set(p.id, { ...p, roles: p.roles ?? [] });
  }

  /** All chats, in directory order. */
  listChats(): SandboxChat[] {
    return this.directory.chats;
  }

  /** Everyone known (chat members and `people`), each once. */
  listPeople(): SandboxMember[] {
    return [...this.people.values()];
  }

  /** A person by id, or undefined. */
  person(userId: string): SandboxMember | undefined {
    return this.people.get(userId);
  }

  /** A person's display name; the id itself when unknown (so a stray id still renders). */
  nameOf(userId: string): string {
    return this.people.get(userId)?.name ?? userId;
  }

  /** A chat by id, or undefined. */
  chat(chatId: string): SandboxChat | undefined {
    return this.chats.get(chatId);
  }

  /**
   * Resolves a conversation id (`<chatId>` or `@<userId>`).
   * @throws NotFoundError (404) when neither a chat nor a person of that id exists.
   */
  conversation(conversationId: string): Conversation {
    if (conversationId.startsWith(DIRECT_PREFIX)) {
      const person = this.people.get(conversationId.slice(DIRECT_PREFIX.length));
      if (person) return { kind: 'direct', id: conversationId, person };
    } else {
      const chat = this.chats.get(conversationId);
      if (chat) return { kind: 'chat', id: conversationId, chat };
    }
    throw new NotFoundError(`沙盒中没有这个会话：${conversationId}`);
  }

  /** Whether `userId` may speak in the conversation: a member of the chat, or the 1:1 partner. */
  canSpeak(conv: Conversation, userId: string): boolean {
    return conv.kind === 'chat' ? conv.chat.members.some((m) => m.id === userId) : conv.person.id === userId;
  }
}
