/**
 * Milestone record keys. A per-owner record (config `perOwner: true`, e.g. acknowledgement 签收)
 * is keyed `<key>:<personId>` (`ack:wangjg`). Config keys cannot contain `:` (schema id rule), so
 * the first `:` splits; person ids may contain `:` themselves (`wecom:lisi`).
 */

/** `ack` + `wangjg` → `ack:wangjg`; without a person, the key itself. */
export function milestoneKey(baseKey: string, personId?: string | null): string {
  return personId ? `${baseKey}:${personId}` : baseKey;
}

/** `ack:wecom:lisi` → `{ baseKey: 'ack', personId: 'wecom:lisi' }`; `report_up` → `{ baseKey: 'report_up', personId: null }`. */
export function parseMilestoneKey(key: string): { baseKey: string; personId: string | null } {
  const i = key.indexOf(':');
  return i < 0 ? { baseKey: key, personId: null } : { baseKey: key.slice(0, i), personId: key.slice(i + 1) };
}
