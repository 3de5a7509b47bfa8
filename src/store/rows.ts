/**
 * Row ⇄ domain mapping. Columns are snake_case; absent values are `null` in both worlds; instants are
 * UTC `Date`s (pg parses `timestamptz` into `Date`).
 */
import type {
  Acknowledgement,
  Assignment,
  Breach,
  Incident,
  LedgerEntry,
  LedgerKind,
  MilestoneRecord,
  NewIncident,
} from '../domain/types.js';
import type {
  AcknowledgementsTable,
  AssignmentsTable,
  BreachRow,
  IncidentRow,
  IncidentUpdate,
  LedgerRow,
  MilestoneRow,
  NewIncidentRow,
} from './schema.js';
import type { Selectable } from 'kysely';

/** Domain field → column, for the incident fields that may be written. */
const INCIDENT_COLUMNS = {
  title: 'title',
  description: 'description',
  sourceUrl: 'source_url',
  sourceType: 'source_type',
  foundAt: 'found_at',
  occurredAt: 'occurred_at',
  reportedAt: 'reported_at',
  reporterId: 'reporter_id',
  unitId: 'unit_id',
  chatId: 'chat_id',
  category: 'category',
  proposedLevel: 'proposed_level',
  confirmedLevel: 'confirmed_level',
  status: 'status',
  closedAt: 'closed_at',
  planId: 'plan_id',
} as const satisfies Record<keyof Omit<Incident, 'id' | 'createdAt' | 'updatedAt'>, keyof IncidentRow>;

/** Row → Incident. */
export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    sourceUrl: r.source_url,
    sourceType: r.source_type,
    foundAt: r.found_at,
    occurredAt: r.occurred_at,
    reportedAt: r.reported_at,
    reporterId: r.reporter_id,
    unitId: r.unit_id,
    chatId: r.chat_id,
    category: r.category,
    proposedLevel: r.proposed_level,
    confirmedLevel: r.confirmed_level,
    status: r.status,
    closedAt: r.closed_at,
    planId: r.plan_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** NewIncident → insertable row (`created_at`/`updated_at` come from the database). */
export function fromNewIncident(i: NewIncident): NewIncidentRow {
  return { id: i.id, ...fromIncidentPatch(i) } as NewIncidentRow;
}

/** A partial incident → column patch; keys whose value is `undefined` are skipped. */
export function fromIncidentPatch(p: Partial<Omit<Incident, 'id' | 'createdAt' | 'updatedAt'>>): IncidentUpdate {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(INCIDENT_COLUMNS)) {
    const value = (p as Record<string, unknown>)[field];
    if (value !== undefined) out[column] = value;
  }
  return out as IncidentUpdate;
}

/** Row → LedgerEntry. */
export function toLedgerEntry(r: LedgerRow): LedgerEntry {
  return {
    seq: r.seq,
    incidentId: r.incident_id,
    actor: r.actor,
    kind: r.kind as LedgerKind,
    payload: r.payload,
    at: r.at,
  };
}

/** Row → Acknowledgement. */
export function toAcknowledgement(r: Selectable<AcknowledgementsTable>): Acknowledgement {
  return { incidentId: r.incident_id, personId: r.person_id, role: r.role, at: r.at };
}

/** Row → Assignment. */
export function toAssignment(r: Selectable<AssignmentsTable>): Assignment {
  return { incidentId: r.incident_id, personId: r.person_id, role: r.role, assignedBy: r.assigned_by, at: r.at };
}

/** Row → MilestoneRecord. */
export function toMilestone(r: MilestoneRow): MilestoneRecord {
  return {
    incidentId: r.incident_id,
    key: r.key,
    name: r.name,
    ownerIds: r.owner_ids,
    startsAt: r.starts_at,
    dueAt: r.due_at,
    state: r.state,
    metAt: r.met_at,
    metBy: r.met_by,
    breachedAt: r.breached_at,
    planId: r.plan_id,
  };
}

/** MilestoneRecord → row. */
export function fromMilestone(m: MilestoneRecord): MilestoneRow {
  return {
    incident_id: m.incidentId,
    key: m.key,
    name: m.name,
    owner_ids: m.ownerIds,
    starts_at: m.startsAt,
    due_at: m.dueAt,
    state: m.state,
    met_at: m.metAt,
    met_by: m.metBy,
    breached_at: m.breachedAt,
    plan_id: m.planId,
  };
}

/** Row → Breach. */
export function toBreach(r: BreachRow): Breach {
  return {
    id: r.id,
    incidentId: r.incident_id,
    milestoneKey: r.milestone_key,
    personIds: r.person_ids,
    grade: r.grade,
    at: r.at,
    gradedBy: r.graded_by,
    note: r.note,
  };
}
