/**
 * Counts the SQL statements this process sends through `pg` (every `Client#query`, pooled or not),
 * grouped by their first words, so a benchmark can report round trips per operation.
 */
import pg from 'pg';

/** Statement counts since `start()`, by kind (e.g. `INSERT INTO "agenda_jobs"`, `SELECT`). */
export interface QueryCounter {
  start(): void;
  /** Stops counting; returns the total and the counts by kind, largest first. */
  stop(): { total: number; byKind: Array<[string, number]> };
}

/** Patches `pg.Client.prototype.query` once; the counter only counts between start and stop. */
export function queryCounter(): QueryCounter {
  const counts = new Map<string, number>();
  let on = false;
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown; __counted?: boolean };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (on) {
      const first = args[0];
      const text = typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '?');
      const words = text.trim().replace(/\s+/g, ' ').split(' ');
      const kind = /^(insert|update|delete)$/i.test(words[0])
        ? words.slice(0, 3).join(' ')
        : /^select$/i.test(words[0])
          ? `SELECT … ${(text.match(/from\s+("?\w+"?)/i) ?? [])[1] ?? ''}`
          : words[0];
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
  return {
    start() {
      counts.clear();
      on = true;
    },
    stop() {
      on = false;
      const byKind = [...counts.entries()].sort((a, b) => b[1] - a[1]);
      return { total: byKind.reduce((s, [, n]) => s + n, 0), byKind };
    },
  };
}
