/**
 * Who is responsible for an incident and at which level it runs (issue 7 item 2): one function
 * each, used by `IncidentService` (签收), `DeadlinePlanner` (owners), `ChaseService` (the ladder's
 * reach rule) and the messages.
 */
import type { Directory } from './Directory.js';
import type { IncidentPeople } from './milestones/index.js';
import type { Incident } from './types.js';

/**
 * The effective level id of an incident: the confirmed level, else the proposed one
 * (domain.md "Who sets the level": a privileged person confirms or changes the reporter's proposal).
 */
export function effectiveLevel(i: Pick<Incident, 'confirmedLevel' | 'proposedLevel'>): string {
  return i.confirmedLevel ?? i.proposedLevel;
}

/**
 * The people of an incident by role: its reporter, its unit's first- and direct-responsible,
 * spokesperson and office (domain.md "Who takes part"), and `assigneeIds` (`/指派`, in
 * assignment order). A unit missing from the directory (removed from the config) contributes
 * empty ids, which `responsibleIds` and the owners skip.
 */
export function incidentPeople(
  dir: Directory,
  i: Pick<Incident, 'unitId' | 'reporterId'>,
  assigneeIds: readonly string[],
): IncidentPeople {
  const unit = dir.unit(i.unitId);
  return {
    reporter: i.reporterId,
    firstResponsible: unit?.firstResponsible ?? '',
    directResponsible: unit?.directResponsible ?? '',
    spokesperson: unit?.spokesperson ?? null,
    office: unit?.office ?? [],
    assignees: [...assigneeIds],
  };
}

/**
 * The people who must acknowledge (签收) an incident: the unit's first- and direct-responsible,
 * then the assignees, without duplicates (domain.md "the bot @-mentions the first- and
 * direct-responsible people at once"; assignees acknowledge too, issue 3).
 */
export function responsibleIds(people: IncidentPeople): string[] {
  return [...new Set([people.firstResponsible, people.directResponsible, ...people.assignees].filter((x) => !!x))];
}

/**
 * How senior a person stands for an incident's unit, for the escalation ladder's reach rule
 * (domain.md "Notification and escalation ladder": nobody is asked to chase themselves or their
 * superior): upper authority 6, leadership-group leader 5, deputy 4, the unit's first-responsible 3,
 * its direct-responsible 2, anyone else 1. The highest role held counts.
 */
export function seniority(dir: Directory, unitId: string, personId: string): number {
  const unit = dir.unit(unitId);
  const lg = dir.leadershipGroupSpec();
  return Math.max(
    dir.upperAuthorityContacts().includes(personId) ? 6 : 0,
    lg.leader === personId ? 5 : 0,
    lg.deputies.includes(personId) ? 4 : 0,
    unit?.firstResponsible === personId ? 3 : 0,
    unit?.directResponsible === personId ? 2 : 1,
  );
}
