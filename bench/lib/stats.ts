/**
 * Timing and statistics for the benchmarks: a millisecond stopwatch, nearest-rank percentiles and
 * the result row every benchmark returns.
 */
import { performance } from 'node:perf_hooks';

/** One line of the results table. Times in ms; `opsPerSec` over the case's wall time. */
export interface BenchRow {
  /** Benchmark letter and name, e.g. `(a) open incident`. */
  bench: string;
  /** The case, e.g. `sequential` or `10 concurrent`. */
  case: string;
  /** Operations measured. */
  n?: number;
  opsPerSec?: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
  /** Free text: totals, memory figures, what was checked. */
  note?: string;
}

/** Milliseconds since an arbitrary origin (monotonic). */
export function nowMs(): number {
  return performance.now();
}

/** Runs `fn` and returns its result with the elapsed time in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = nowMs();
  const value = await fn();
  return { value, ms: nowMs() - t0 };
}

/**
 * The `p`-th percentile (0 < p ≤ 100) of `samples` by the nearest-rank method.
 * @throws RangeError for an empty sample list.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** A row from per-operation latencies (ms) and the wall time (ms) the `n` operations took together. */
export function latencyRow(
  bench: string,
  kase: string,
  latencies: readonly number[],
  wallMs: number,
  note?: string,
): BenchRow {
  return {
    bench,
    case: kase,
    n: latencies.length,
    opsPerSec: latencies.length / (wallMs / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    ...(note ? { note } : {}),
  };
}

/** Aborted when the run is being stopped (signal, crash): `runPool` then starts no new operation. */
export const stopping = new AbortController();

/**
 * Runs `total` operations with at most `concurrency` in flight; `op(i)` gets the operation index.
 * @returns each operation's latency in ms (in index order) and the wall time in ms.
 * @throws Error once `stopping` is aborted (operations in flight finish first).
 */
export async function runPool(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies = new Array<number>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      if (stopping.signal.aborted) throw new Error('benchmark stopped');
      const t0 = nowMs();
      await op(i);
      latencies[i] = nowMs() - t0;
    }
  };
  const t0 = nowMs();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { latencies, wallMs: nowMs() - t0 };
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
