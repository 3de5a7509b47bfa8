/**
 * Schema migrations: a static, in-code list (no file-system scanning, so bundling and ESM paths
 * cannot lose a migration). Add a new file `NNNN_name.ts` exporting `up`/`down` and list it below;
 * never edit or rename a migration that has shipped.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_outbox.js';
import * as m0004 from './0004_plan_snapshots.js';
import * as m0006 from './0006_approvals.js';
import * as m0007 from './0007_reports.js';
import * as m0008 from './0008_inbound_claims.js';
import * as m0009 from './0009_card_updates.js';
import * as m0010 from './0010_report_indexes.js';
import * as m0011 from './0011_inbound_replay.js';

/** All migrations by name; names sort in execution order. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_outbox': m0002,
  '0004_plan_snapshots': m0004,
  '0006_approvals': m0006,
  '0007_reports': m0007,
  '0008_inbound_claims': m0008,
  '0009_card_updates': m0009,
  '0010_report_indexes': m0010,
  '0011_inbound_replay': m0011,
};

/** Hands Kysely's Migrator the static list above. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly list: Record<string, Migration> = migrations) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.list;
  }
}

/**
 * Brings the schema to the latest migration. Idempotent (already applied migrations are skipped);
 * safe to run from several processes at once (Kysely takes an advisory lock).
 * @param list the migrations to apply (default: all of this file's list; tests pass their own).
 * @returns the names of the migrations applied by this call (empty if already up to date).
 * @throws Error `database migration "<name>" failed: <cause>` (the failed migration is rolled back).
 */
export async function migrateToLatest(
  // biome-ignore lint/suspicious/noExplicitAny: the migrator runs on any schema
  db: Kysely<any>,
  list: Record<string, Migration> = migrations,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(list) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? '(before any migration ran)';
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration "${failed}" failed: ${cause}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
