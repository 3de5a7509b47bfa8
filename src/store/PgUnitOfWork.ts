/** PostgreSQL implementation of the domain's `UnitOfWork` port. */
import type { Kysely } from 'kysely';
import type { IncidentRepo, UnitOfWork } from '../domain/ports.js';
import { PgIncidentRepo } from './PgIncidentRepo.js';
import type { Database } from './schema.js';

/**
 * `transaction(fn)` runs `fn` in one database transaction (READ COMMITTED) with a repo bound to it:
 * commit when `fn` resolves, rollback and rethrow when it rejects. Nothing is retried.
 * `repo` runs each call on its own pooled connection (autocommit), for reads.
 */
export class PgUnitOfWork implements UnitOfWork {
  readonly repo: IncidentRepo;

  constructor(private readonly db: Kysely<Database>) {
    this.repo = new PgIncidentRepo(db);
  }

  transaction<T>(fn: (repo: IncidentRepo) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new PgIncidentRepo(trx)));
  }
}
