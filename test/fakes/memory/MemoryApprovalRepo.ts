/**
 * The in-memory `ApprovalRepo` (issue 8) behind `MemoryIncidentRepo.approvals`: the contract of
 * src/store/PgApprovalRepo.ts (duplicate versions are a ConflictError, the first decision wins,
 * supersede only touches older pending versions), over the unit of work's state so that a rolled
 * back transaction rolls it back too.
 */
import type { ApprovalRepo } from '../../../src/domain/approvals/ports.js';
import type { DraftKind, DraftVersion, NewDraftVersion, SignOff } from '../../../src/domain/approvals/types.js';
import { ConflictError, IncidentNotFoundError } from '../../../src/errors.js';

/** The approval part of the in-memory state. */
export interface ApprovalState {
  incidents: Map<string, unknown>;
  versions: DraftVersion[];
  versionId: number;
  signOffs: SignOff[];
  signOffId: number;
}

const copy = <T extends object>(x: T): T => {
  const out = { ...x } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (v instanceof Date) out[k] = new Date(v.getTime());
    else if (Array.isArray(v)) out[k] = [...v];
  }
  return out as T;
};

export class MemoryApprovalRepo implements ApprovalRepo {
  constructor(private readonly s: () => ApprovalState) {}

  async insertVersion(v: NewDraftVersion): Promise<DraftVersion> {
    if (!this.s().incidents.has(v.incidentId)) throw new IncidentNotFoundError(v.incidentId);
    if (this.s().versions.some((x) => x.incidentId === v.incidentId && x.kind === v.kind && x.version === v.version))
      throw new ConflictError(`${v.incidentId} 的第 ${v.version} 版刚被他人提交，请重新发送。`);
    const row: DraftVersion = {
      ...copy(v),
      id: ++this.s().versionId,
      state: 'pending',
      decidedBy: null,
      decidedAt: null,
      reason: null,
    };
    this.s().versions.push(row);
    return copy(row);
  }
  async versions(incidentId: string): Promise<DraftVersion[]> {
    return this.s()
      .versions.filter((v) => v.incidentId === incidentId)
      .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime() || a.id - b.id)
      .map(copy);
  }
  async versionsOf(incidentIds: readonly string[]): Promise<DraftVersion[]> {
    const ids = new Set(incidentIds);
    return this.s()
      .versions.filter((v) => ids.has(v.incidentId))
      .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime() || a.id - b.id)
      .map(copy);
  }
  async pendingVersions(): Promise<DraftVersion[]> {
    return this.s()
      .versions.filter((v) => v.state === 'pending')
      .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime() || a.id - b.id)
      .map(copy);
  }
  async decide(
    versionId: number,
    d: { state: 'approved' | 'rejected'; by: string; at: Date; reason: string | null },
  ): Promise<DraftVersion | undefined> {
    const v = this.s().versions.find((x) => x.id === versionId && x.state === 'pending');
    if (!v) return undefined;
    Object.assign(v, { state: d.state, decidedBy: d.by, decidedAt: new Date(d.at.getTime()), reason: d.reason });
    return copy(v);
  }
  async supersede(incidentId: string, kind: DraftKind, belowVersion: number): Promise<DraftVersion[]> {
    const hit = this.s().versions.filter(
      (v) => v.incidentId === incidentId && v.kind === kind && v.version < belowVersion && v.state === 'pending',
    );
    for (const v of hit) v.state = 'superseded';
    return hit.map(copy);
  }
  async insertSignOff(s: Omit<SignOff, 'id'>): Promise<SignOff> {
    const row: SignOff = { ...copy(s), id: ++this.s().signOffId };
    this.s().signOffs.push(row);
    return copy(row);
  }
  async signOffs(versionIds: number[]): Promise<SignOff[]> {
    return this.s()
      .signOffs.filter((s) => versionIds.includes(s.versionId))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id)
      .map(copy);
  }
}
