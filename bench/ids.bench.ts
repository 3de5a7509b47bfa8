/**
 * (b) `IncidentRepo.nextIncidentId` under contention: each operation is one transaction that takes
 * the next number of the same business date and commits. The number itself is one autocommit
 * statement on the store's own number pool (2 connections), so the counter row is locked only for
 * that statement, not until the taker's commit (issue 15 item 1). Checks that the numbers taken are
 * exactly 1..n, with no duplicate and no gap (no taker fails here).
 */
import { startBenchStore } from './lib/env.js';
import { type BenchRow, latencyRow, runPool } from './lib/stats.js';

/** Sizes of the run. */
export interface IdBenchOptions {
  /** Transactions per case. */
  total: number;
  /** Transactions in flight (the "20-way" case). */
  concurrency: number;
}

/** Takes `total` numbers of `date` with `concurrency` in flight and checks them. */
async function takeNumbers(take: (date: string) => Promise<string>, date: string, total: number, concurrency: number) {
  const ids: string[] = [];
  const r = await runPool(total, concurrency, async () => {
    ids.push(await take(date));
  });
  const numbers = ids.map((id) => Number(id.split('-')[2])).sort((a, b) => a - b);
  if (numbers.some((n, i) => n !== i + 1)) throw new Error(`ids of ${date} are not exactly 1..${total}`);
  return r;
}

/** Runs (b) on its own PostgreSQL; stops it before returning or throwing. */
export async function benchIds(o: IdBenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const pool of [10, o.concurrency]) {
    const db = await startBenchStore(pool);
    try {
      const take = (date: string) => db.store.uow.transaction((repo) => repo.nextIncidentId(date));
      await takeNumbers(take, '20990101', 50, o.concurrency); // warm-up
      if (pool === 10) {
        const seq = await takeNumbers(take, '20990102', o.total, 1);
        rows.push(
          latencyRow(
            '(b) nextIncidentId',
            'sequential',
            seq.latencies,
            seq.wallMs,
            'one transaction each: take + commit',
          ),
        );
      }
      const con = await takeNumbers(take, '20990103', o.total, o.concurrency);
      rows.push(
        latencyRow(
          '(b) nextIncidentId',
          `${o.concurrency}-way, pool ${pool}`,
          con.latencies,
          con.wallMs,
          pool === 10
            ? "the app's pool size: half the takers wait for a transaction's connection; numbers on the 2-connection number pool"
            : 'every taker holds a transaction connection; numbers on the 2-connection number pool',
        ),
      );
    } finally {
      await db.stop();
    }
  }
  return rows;
}
