/**
 * Shared fixtures for the milestone tests: the real demo organisation (config/default.yaml, loaded
 * and validated by the real loader), the real Chinese calendar, and Asia/Shanghai time helpers.
 */
import { loadOrgConfig } from '../../../../src/config/load.js';
import type { OrgConfig } from '../../../../src/config/schema.js';
import { ChineseWorkingCalendar } from '../../../../src/calendar/ChineseWorkingCalendar.js';
import type {
  EscalationSpec,
  IncidentPeople,
  MilestoneSpec,
  PlanIncident,
  PlanInput,
} from '../../../../src/domain/milestones/index.js';

export const TZ = 'Asia/Shanghai';
export const config: OrgConfig = loadOrgConfig('config/default.yaml');
export const calendar = new ChineseWorkingCalendar(config.calendar);

/** Compile-time check that the config types fit the domain's structural specs. */
export const milestoneSpecs: readonly MilestoneSpec[] = config.milestones;
export const escalationSpec: EscalationSpec = config.escalation;

/** A Shanghai wall time `YYYY-MM-DD HH:mm[:ss]` as a UTC Date. */
export function sh(wall: string): Date {
  const [d, t] = wall.split(' ');
  return new Date(`${d}T${t.length === 5 ? `${t}:00` : t}+08:00`);
}

/** Minutes → ms. */
export const min = (n: number): number => n * 60_000;

/** People of the demo unit `bureau` (青山县民政局), reported by the monitor 陈静. */
export const bureauPeople: IncidentPeople = {
  reporter: 'chenjing',
  firstResponsible: 'wangjg',
  directResponsible: 'lihua',
  spokesperson: 'zhangmin',
  office: ['zhangmin', 'chenjing'],
  assignees: [],
};

/** Person id → name from the demo config. */
export const nameOf = (id: string): string => config.people.find((p) => p.id === id)?.name ?? id;

/** An incident found 2025-09-30 10:00 Shanghai, reported 10:05, level III, category hype. */
export function incident(over: Partial<PlanIncident> = {}): PlanIncident {
  return {
    id: 'YQ-20250930-001',
    foundAt: sh('2025-09-30 10:00'),
    occurredAt: null,
    reportedAt: sh('2025-09-30 10:05'),
    closedAt: null,
    feedbackAt: null,
    level: 'III',
    category: 'hype',
    ...over,
  };
}

/** A full planning input over the demo config; override anything. */
export function planInput(over: Partial<PlanInput> = {}): PlanInput {
  return {
    incident: incident(),
    people: bureauPeople,
    milestones: milestoneSpecs,
    calendar,
    timezone: TZ,
    endOfDay: config.calendar.endOfDay,
    timeScale: 1,
    planId: 'plan-1',
    nameOf,
    ...over,
  };
}
