/**
 * Who owes a milestone: owner roles (config `milestones[].owners`) resolved to person ids of the
 * incident's unit (domain.md "Who takes part").
 */
import type { OwnerRole } from './specs.js';

/**
 * The people of one incident, per role, as person ids (config ids, or `<platform>:<userId>` for a
 * reporter not in config). Resolved by the caller from the incident's unit and assignments.
 */
export interface IncidentPeople {
  /** Whoever opened the incident. */
  reporter: string;
  /** 第一责任人 of the unit. */
  firstResponsible: string;
  /** 直接责任人 of the unit. */
  directResponsible: string;
  /** 新闻发言人 of the unit, if it has one. */
  spokesperson?: string | null;
  /** 领导小组办公室 staff of the unit. */
  office: readonly string[];
  /** People assigned to the incident (`/指派`). */
  assignees: readonly string[];
  /** The designated approvers of the version an approval milestone waits on (issue 8). */
  approvers?: readonly string[];
}

/** The person ids one role stands for (possibly none). */
export function peopleInRole(role: OwnerRole, people: IncidentPeople): string[] {
  switch (role) {
    case 'reporter':
      return [people.reporter];
    case 'firstResponsible':
      return [people.firstResponsible];
    case 'directResponsible':
      return [people.directResponsible];
    case 'spokesperson':
      return people.spokesperson ? [people.spokesperson] : [];
    case 'office':
      return [...people.office];
    case 'assignee':
      return [...people.assignees];
    case 'approver':
      return [...(people.approvers ?? [])];
  }
}

/**
 * Resolves owner roles to person ids: the union of the roles' people, in role order, without
 * duplicates (one person holding two roles owes the milestone once). A role with nobody in it
 * (no spokesperson, an empty office, no assignee yet) contributes nobody; if ALL the roles are
 * empty, the milestone falls back to the direct-responsible person, who runs handling day to day
 * (domain.md "Who takes part"), so no milestone is ever left without an owner.
 */
export function resolveOwners(roles: readonly OwnerRole[], people: IncidentPeople): string[] {
  const ids: string[] = [];
  for (const role of roles) {
    for (const id of peopleInRole(role, people)) if (id && !ids.includes(id)) ids.push(id);
  }
  return ids.length > 0 ? ids : [people.directResponsible];
}
