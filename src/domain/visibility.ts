/**
 * The one visibility policy (issue 7 item 1, issue 10 item 2): which incidents a chat, a person
 * or a viewer token may see. Every command, `IncidentService.view` / `resolve` / `list`, and any
 * report, export or page asks here; nobody else decides.
 *
 * The rule (domain.md "A group chat belongs to a unit, so an incident reported there gets that
 * unit's people unless the reporter names another unit"; confidentiality 002 / 004 "内外有别"):
 * - a group chat sees the incidents reported in it and those of its unit and the unit's
 *   sub-units, wherever they were reported (养老服务中心工作群 sees an eldercare incident reported
 *   from 社会救助股工作群 with `#养老服务中心`); the leadership group's chat sees all. What a group
 *   chat sees does not depend on who asks: everyone in the chat reads the answer.
 * - a person 1:1 sees the incidents of the units (and sub-units) where they hold a role, the ones
 *   they reported and the ones they are assigned to; the leadership group and the upper
 *   authority see all; someone not in the directory sees none.
 * - a viewer unit (a report, export or page token bound to a unit) sees that unit and its sub-units.
 * - `system` (jobs, the drill, tests) sees all.
 */
import type { Directory } from './Directory.js';

/** Who is looking. */
export type Viewer =
  | { kind: 'chat'; chatId: string }
  | { kind: 'person'; personId: string | null }
  | { kind: 'unit'; unitId: string }
  | { kind: 'system' };

/** The system viewer: sees every incident (jobs, the drill, tests). */
export const SYSTEM_VIEWER: Viewer = { kind: 'system' };

/**
 * What a viewer sees, as data a store can turn into one query: everything (`all`), or the union
 * of incidents reported in `chatIds`, of units `unitIds`, and (for a person) reported by or
 * assigned to `personId`. Build it with `visibilityScope`; never by hand.
 */
export type VisibilityScope =
  | { all: true }
  | { all: false; chatIds: readonly string[]; unitIds: readonly string[]; personId: string | null };

/** The facts of an incident the policy reads. */
export interface VisibilityFacts {
  unitId: string;
  chatId: string;
  reporterId: string;
  /** Person ids assigned to it (`/指派`); only read for a person scope. */
  assigneeIds?: readonly string[];
}

/** The viewer of a command: the chat in a group chat, else the person (1:1). */
export function viewerOf(chatId: string | null | undefined, personId: string | null): Viewer {
  return chatId ? { kind: 'chat', chatId } : { kind: 'person', personId };
}

const NOTHING: VisibilityScope = { all: false, chatIds: [], unitIds: [], personId: null };

/** The scope a viewer sees (see the file comment for the rule). An unknown chat or unit sees nothing. */
export function visibilityScope(dir: Directory, viewer: Viewer): VisibilityScope {
  switch (viewer.kind) {
    case 'system':
      return { all: true };
    case 'chat': {
      const chat = dir.chat(viewer.chatId);
      if (!chat) return NOTHING;
      if (chat.id === dir.leadershipChatId()) return { all: true };
      return { all: false, chatIds: [chat.id], unitIds: dir.subtree(chat.unit), personId: null };
    }
    case 'unit':
      return dir.unit(viewer.unitId)
        ? { all: false, chatIds: [], unitIds: dir.subtree(viewer.unitId), personId: null }
        : NOTHING;
    case 'person': {
      const p = viewer.personId;
      if (!p || !dir.person(p)) return NOTHING;
      if (dir.leadershipGroup().includes(p) || dir.upperAuthorityContacts().includes(p)) return { all: true };
      const units = dir.allUnits().filter((u) => dir.rolesOf(p, u.id).length > 0);
      const unitIds = [...new Set(units.flatMap((u) => dir.subtree(u.id)))];
      return { all: false, chatIds: [], unitIds, personId: p };
    }
  }
}

/** Whether an incident lies in a scope. Pure; the store applies the same test in SQL (`IncidentFilter.visibleIn`). */
export function inScope(scope: VisibilityScope, i: VisibilityFacts): boolean {
  if (scope.all) return true;
  if (scope.chatIds.includes(i.chatId) || scope.unitIds.includes(i.unitId)) return true;
  const p = scope.personId;
  return p !== null && (i.reporterId === p || (i.assigneeIds ?? []).includes(p));
}

/** Whether `viewer` may see the incident: `inScope(visibilityScope(dir, viewer), facts)`. */
export function canSee(dir: Directory, viewer: Viewer, i: VisibilityFacts): boolean {
  return inScope(visibilityScope(dir, viewer), i);
}
