/**
 * Translating person-level notices (`@{personId}` tokens, person-id mentions) into a platform's
 * `OutboundMessage` (`@{platformUserId}` tokens, platform user ids). People not bound on the
 * platform are named in plain text instead of mentioned.
 */
import type { Notice } from '../domain/ports.js';
import type { OutboundMessage, PlatformName } from './types.js';

/** What the translation needs from the directory. */
export interface PeopleLookup {
  platformUserId(platform: PlatformName, personId: string): string | undefined;
  nameOf(personId: string): string;
}

/** A person-level message: text with `@{personId}` tokens, person-id mentions, optional card. */
export type PersonMessage = Pick<Notice, 'text' | 'mentions' | 'card'>;

/**
 * Maps a person-level message to a platform message.
 * `@{personId}` → `@{platformUserId}` when the person is in `mentions` and bound on the platform,
 * else `@姓名` as plain text. A token for someone not in `mentions` (e.g. typed by a user into a
 * description that the bot echoes) is defused into plain text, so user text can never @-mention;
 * so is any other `@{` (e.g. nested `@{a @{id}}`), which a platform renderer could otherwise
 * still read as a token.
 */
export function toPlatformMessage(platform: PlatformName, m: PersonMessage, people: PeopleLookup): OutboundMessage {
  const allowed = new Set(m.mentions);
  const text = m.text.replace(/@\{(?:([^{}\s]*)\})?/g, (_all, pid: string | undefined) => {
    if (pid === undefined) return '@｛';
    if (!allowed.has(pid)) return `@｛${pid}｝`;
    const uid = people.platformUserId(platform, pid);
    return uid ? `@{${uid}}` : `@${people.nameOf(pid)}`;
  });
  const mentions = [
    ...new Set(m.mentions.map((p) => people.platformUserId(platform, p)).filter((x): x is string => !!x)),
  ];
  return { text, mentions, ...(m.card ? { card: m.card } : {}) };
}
