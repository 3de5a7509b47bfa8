/** PostgreSQL implementation of the domain's `UnitOfWork` port. */
import { sql, type Kysely } from 'kysely';
import type { IncidentRepo, NoticeRouter, UnitOfWork } from '../domain/ports.js';
import { PgIncidentRepo } from './PgIncidentRepo.js';
import type { Database } from './schema.js';
import { currentTx, txStorage, type CommandScope, type TxContext } from './tx-context.js';

/**
 * `transaction(fn)` runs `fn` in one database transaction (READ COMMITTED) with a repo bound to it:
 * commit when `fn` resolves, rollback and rethrow when it rejects; then the `afterCommit`
 * callbacks, in order. Nothing is retried. Inside a running transaction (a command scope) it
 * joins it as a SAVEPOINT (rolled back alone on error) and its after-commit callbacks wait for
 * the outer commit.
 * `repo` runs each call on its own pooled connection (autocommit), for reads — or, inside a
 * command scope, in the scope's transaction (so a command reads its own writes).
 */
export class PgUnitOfWork implements UnitOfWork {
  private readonly plain: IncidentRepo;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly router: NoticeRouter = () => [],
  ) {
    this.plain = new PgIncidentRepo(db, { router });
  }

  get repo(): IncidentRepo {
    const tx = currentTx();
    return tx ? this.repoIn(tx) : this.plain;
  }

  async transaction<T>(fn: (repo: IncidentRepo) => Promise<T>): Promise<T> {
    const tx = currentTx();
    if (!tx) return this.outer(undefined, fn);
    const name = `sp_${++tx.savepoints}`;
    await sql.raw(`SAVEPOINT ${name}`).execute(tx.trx);
    try {
      const out = await fn(this.repoIn(tx));
      await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(tx.trx);
      return out;
    } catch (err) {
      await sql
        .raw(`ROLLBACK TO SAVEPOINT ${name}`)
        .execute(tx.trx)
        .catch(() => undefined);
      throw err;
    }
  }

  /**
   * A top-level transaction, optionally a command scope (see `PgOutbox.withinCommand`).
   * @throws whatever `fn` or the commit throws (rolled back); after-commit failures propagate.
   */
  async outer<T>(command: CommandScope | undefined, fn: (repo: IncidentRepo) => Promise<T>): Promise<T> {
    let ctx: TxContext | undefined;
    try {
      const out = await this.db.transaction().execute((trx) => {
        ctx = { trx, after: [], command, savepoints: 0, done: false, notified: false };
        const c = ctx;
        return txStorage.run(c, () => fn(this.repoIn(c)));
      });
      if (ctx) ctx.done = true;
      for (const cb of ctx?.after ?? []) await cb();
      return out;
    } finally {
      if (ctx) ctx.done = true;
    }
  }

  private repoIn(tx: TxContext): IncidentRepo {
    return new PgIncidentRepo(tx.trx, { router: this.router, tx });
  }
}
