/**
 * Resolving a ladder target to people and a place to post (domain.md "Notification and escalation
 * ladder": "逐级报告、双重报告"; the chase goes owner → direct-responsible → first-responsible →
 * leadership group → configured upper authority contacts).
 */
import type { LadderTarget } from './specs.js';

/** The people and chats a ladder step can reach, for one incident. */
export interface EscalationContacts {
  /** Person ids who owe the milestone (`MilestoneRecord.ownerIds`). */
  ownerIds: readonly string[];
  /** The incident unit's first- and direct-responsible person ids. */
  firstResponsible: string;
  directResponsible: string;
  /** Config chat id the incident lives in. */
  incidentChatId: string;
  /** Config `leadershipGroup` (person ids; `chat` is a config chat id). */
  leadershipGroup: { leader: string; deputies: readonly string[]; chat?: string | null };
  /** Config `upperAuthority.contacts` (person ids). */
  upperAuthority: { contacts: readonly string[] };
}

/** Where a ladder step goes: maps onto `Notice` (`chatId`, `mentions`, `directTo`). */
export interface LadderDelivery {
  /** The target actually used (after any fallback). */
  target: LadderTarget;
  /** Who it is for: the incident chat, the leadership group, or the upper authority. */
  audience: 'incident' | 'leadershipGroup' | 'upperAuthority';
  /** Config chat id to post into; `null` = 1:1 messages only. */
  chatId: string | null;
  /** Person ids to @-mention (deduplicated, in order). */
  mentions: string[];
  /** Person ids to message 1:1 where the platform allows. */
  directTo: string[];
  /** Set when the configured target could not be reached and this is its stand-in. */
  fellBackFrom?: LadderTarget;
}

const uniq = (ids: readonly string[]): string[] => [...new Set(ids.filter((x) => x))];

/**
 * Resolves a ladder target:
 * - `owner`: the owners (none → direct-responsible), in the incident chat;
 * - `directResponsible` / `firstResponsible`: that person, in the incident chat;
 * - `leadershipGroup`: the group's chat (config `leadershipGroup.chat`; absent → the incident
 *   chat), mentioning the leader and deputies;
 * - `upperAuthority`: 1:1 messages to the configured contacts (no chat: they are outside the
 *   unit's groups); with no contacts configured it falls back to the leadership group, marked
 *   `fellBackFrom: 'upperAuthority'` so the message can say the upward report is the group's to make.
 */
export function resolveLadderTarget(target: LadderTarget, c: EscalationContacts): LadderDelivery {
  const incident = (mentions: string[]): LadderDelivery => ({
    target,
    audience: 'incident',
    chatId: c.incidentChatId,
    mentions,
    directTo: [],
  });
  switch (target) {
    case 'owner':
      return incident(c.ownerIds.length > 0 ? uniq(c.ownerIds) : [c.directResponsible]);
    case 'directResponsible':
      return incident([c.directResponsible]);
    case 'firstResponsible':
      return incident([c.firstResponsible]);
    case 'leadershipGroup':
      return {
        target,
        audience: 'leadershipGroup',
        chatId: c.leadershipGroup.chat ?? c.incidentChatId,
        mentions: uniq([c.leadershipGroup.leader, ...c.leadershipGroup.deputies]),
        directTo: [],
      };
    case 'upperAuthority': {
      const contacts = uniq(c.upperAuthority.contacts);
      if (contacts.length === 0)
        return { ...resolveLadderTarget('leadershipGroup', c), fellBackFrom: 'upperAuthority' };
      return { target, audience: 'upperAuthority', chatId: null, mentions: contacts, directTo: contacts };
    }
  }
}
