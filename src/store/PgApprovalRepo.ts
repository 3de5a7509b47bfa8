/**
 * PostgreSQL implementation of the domain's `ApprovalRepo` port (see `domain/approvals/ports.ts`
 * for each method's contract). Built on the same `Kysely`/`Transaction` as its `PgIncidentRepo`.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ApprovalRepo } from '../domain/approvals/ports.js';
import type { DraftKind, DraftVersion, NewDraftVersion, SignOff } from '../domain/approvals/types.js';
import { ConflictError, IncidentNotFoundError } from '../errors.js';
import type { Database, DraftSignoffsTable, DraftVersionsTable } from './schema.js';
import { anyText } from './sql-lists.js';

function toVersion(r: Selectable<DraftVersionsTable>): DraftVersion {
  return {
    id: r.id,
    incidentId: r.incident_id,
    kind: r.kind,
    version: r.version,
    text: r.text,
    textSha256: r.text_sha256,
    authorId: r.author_id,
    submittedAt: r.submitted_at,
    level: r.level,
    approverIds: r.approver_ids,
    externalRequired: r.external_required,
    legalRequired: r.legal_required,
    state: r.state,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
  };
}

function toSignOff(r: Selectable<DraftSignoffsTable>): SignOff {
  return {
    id: r.id,
    versionId: r.version_id,
    type: r.type,
    body: r.body,
    opinion: r.opinion,
    enteredBy: r.entered_by,
    at: r.at,
  };
}

/** ApprovalRepo over PostgreSQL. */
export class PgApprovalRepo implements ApprovalRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** @throws ConflictError on a duplicate (incident, kind, version); IncidentNotFoundError for an unknown incident. */
  async insertVersion(v: NewDraftVersion): Promise<DraftVersion> {
    try {
      const row = await this.db
        .insertInto('draft_versions')
        .values({
          incident_id: v.incidentId,
          kind: v.kind,
          version: v.version,
          text: v.text,
          text_sha256: v.textSha256,
          author_id: v.authorId,
          submitted_at: v.submittedAt,
          level: v.level,
          approver_ids: v.approverIds,
          external_required: v.externalRequired,
          legal_required: v.legalRequired,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toVersion(row);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '23505') throw new ConflictError(`${v.incidentId} 的第 ${v.version} 版刚被他人提交，请重新发送。`);
      if (code === '23503') throw new IncidentNotFoundError(v.incidentId);
      throw err;
    }
  }

  /** Oldest first: by kind, then version. */
  async versions(incidentId: string): Promise<DraftVersion[]> {
    const rows = await this.db
      .selectFrom('draft_versions')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('submitted_at')
      .orderBy('id')
      .execute();
    return rows.map(toVersion);
  }

  /** Oldest first, like `versions`; the ids are one `= ANY($1::text[])` parameter. */
  async versionsOf(incidentIds: readonly string[]): Promise<DraftVersion[]> {
    if (incidentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('draft_versions')
      .selectAll()
      .where('incident_id', '=', anyText(incidentIds))
      .orderBy('submitted_at')
      .orderBy('id')
      .execute();
    return rows.map(toVersion);
  }

  async pendingVersions(): Promise<DraftVersion[]> {
    const rows = await this.db
      .selectFrom('draft_versions')
      .selectAll()
      .where('state', '=', 'pending')
      .orderBy('submitted_at')
      .orderBy('id')
      .execute();
    return rows.map(toVersion);
  }

  async decide(
    versionId: number,
    d: { state: 'approved' | 'rejected'; by: string; at: Date; reason: string | null },
  ): Promise<DraftVersion | undefined> {
    const row = await this.db
      .updateTable('draft_versions')
      .set({ state: d.state, decided_by: d.by, decided_at: d.at, reason: d.reason })
      .where('id', '=', versionId)
      .where('state', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toVersion(row);
  }

  async supersede(incidentId: string, kind: DraftKind, belowVersion: number): Promise<DraftVersion[]> {
    const rows = await this.db
      .updateTable('draft_versions')
      .set({ state: 'superseded' })
      .where('incident_id', '=', incidentId)
      .where('kind', '=', kind)
      .where('version', '<', belowVersion)
      .where('state', '=', 'pending')
      .returningAll()
      .execute();
    return rows.map(toVersion);
  }

  async insertSignOff(s: Omit<SignOff, 'id'>): Promise<SignOff> {
    const row = await this.db
      .insertInto('draft_signoffs')
      .values({
        version_id: s.versionId,
        type: s.type,
        body: s.body,
        opinion: s.opinion,
        entered_by: s.enteredBy,
        at: s.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSignOff(row);
  }

  async signOffs(versionIds: number[]): Promise<SignOff[]> {
    if (versionIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('draft_signoffs')
      .selectAll()
      .where('version_id', 'in', versionIds)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map(toSignOff);
  }
}
