/** PostgreSQL implementation of the domain's `UnitOfWork` port. */
import { sql, type Kysely } from 'kysely';
import type { IncidentRepo, NoticeRouter, UnitOfWork } from '../domain/ports.js';
import { PgIncidentRepo } from './PgIncidentRepo.js';
import { silentLogger, type StoreLogger } from './logger.js';
import type { Database } from './schema.js';
import { currentTx, txStorage, type CommandScope, type TxContext } from './tx-context.js';

/**
 * `transaction(fn)` runs `fn` in one database transaction (READ COMMITTED) with a repo bound to it:
 * commit when `fn` resolves, rollback and rethrow when it rejects; then the `afterCommit`
 * callbacks, in order. Nothing is retried. Inside a running transaction (a command scope) it
 * joins it as a SAVEPOINT (rolled back alone on error; on success left for the outer COMMIT to
 * release, saving the RELEASE round trip) and its after-commit callbacks wait for the outer commit.
 * Incident numbers are taken outside the transaction (`opts.numbers`, see
 * `PgIncidentRepo.nextIncidentId`); a rollback of the transaction or savepoint that took one logs
 * a warn line naming it (`incident number taken but never used`): that number stays a gap.
 * `repo` runs each call on its own pooled connection (autocommit), for reads — or, inside a
 * command scope, in the scope's transaction (so a command reads its own writes).
 */
export class PgUnitOfWork implements UnitOfWork {
  private readonly plain: IncidentRepo;

  /**
   * @param opts.numbers the Kysely over the store's own small pool for incident numbers (autocommit,
   *   one statement each; default `db`); `opts.logger` receives the unused-number warnings.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly router: NoticeRouter = () => [],
    private readonly opts: { numbers?: Kysely<Database>; logger?: StoreLogger } = {},
  ) {
    this.plain = new PgIncidentRepo(db, { router, numbers: opts.numbers });
  }

  get repo(): IncidentRepo {
    const tx = currentTx();
    return tx ? this.repoIn(tx) : this.plain;
  }

  async transaction<T>(fn: (repo: IncidentRepo) => Promise<T>): Promise<T> {
    const tx = currentTx();
    if (!tx) return this.outer(undefined, fn);
    const name = `sp_${++tx.savepoints}`;
    const numbersBefore = tx.numbers.length;
    await sql.raw(`SAVEPOINT ${name}`).execute(tx.trx);
    try {
      // not released when it succeeds: the outer COMMIT (or ROLLBACK) ends it with everything else,
      // and a later savepoint rolled back alone undoes only its own work (one round trip fewer)
      return await fn(this.repoIn(tx));
    } catch (err) {
      await sql
        .raw(`ROLLBACK TO SAVEPOINT ${name}`)
        .execute(tx.trx)
        .catch(() => undefined);
      this.unused(tx.numbers.splice(numbersBefore), err);
      tx.incidents.clear();
      tx.milestones.clear();
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
      const out = await this.db
        .transaction()
        .execute((trx) => {
          ctx = {
            trx,
            after: [],
            command,
            savepoints: 0,
            done: false,
            notified: false,
            numbers: [],
            incidents: new Map(),
            created: new Set(),
            milestones: new Map(),
          };
          const c = ctx;
          return txStorage.run(c, () => fn(this.repoIn(c)));
        })
        .catch((err: unknown) => {
          if (ctx) this.unused(ctx.numbers.splice(0), err);
          throw err;
        });
      if (ctx) ctx.done = true;
      for (const cb of ctx?.after ?? []) await cb();
      return out;
    } finally {
      if (ctx) ctx.done = true;
    }
  }

  private repoIn(tx: TxContext): IncidentRepo {
    return new PgIncidentRepo(tx.trx, { router: this.router, tx, numbers: this.opts.numbers });
  }

  /** One warn line per incident number whose transaction rolled back (the number is never used). */
  private unused(numbers: string[], err: unknown): void {
    for (const id of numbers)
      (this.opts.logger ?? silentLogger).warn(
        { incidentId: id, err: (err as Error)?.message ?? String(err) },
        'incident number taken but never used: its open rolled back',
      );
  }
}
