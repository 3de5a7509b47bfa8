/**
 * Times the SQL statements this process sends through `pg` (every promise-returning `Client#query`),
 * grouped by statement text (whitespace folded, `$n` lists collapsed), so a benchmark can name its
 * slowest statement and EXPLAIN ANALYZE it with the parameters of its slowest call.
 */
import pg from 'pg';
import { nowMs } from './stats.js';

/** One statement's timings since `start()`; times in ms (client side: round trip included). */
export interface StatementTiming {
  text: string;
  calls: number;
  totalMs: number;
  maxMs: number;
  /** Text and parameters of the slowest call (for EXPLAIN). */
  slowest: { text: string; values: unknown[] };
}

/** Patches `pg.Client.prototype.query`; times only between `start()` and `stop()`. */
export interface QueryTimer {
  start(): void;
  /** Stops timing; returns the statements, largest total time first. */
  stop(): StatementTiming[];
}

/** Installs the timer (one patch per call; call once per run). */
export function queryTimer(): QueryTimer {
  const byText = new Map<string, StatementTiming>();
  let on = false;
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (!on || !(result instanceof Promise)) return result;
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '?');
    const values = (Array.isArray(args[1]) ? args[1] : ((first as { values?: unknown[] })?.values ?? [])) as unknown[];
    const key = text
      .replace(/\s+/g, ' ')
      .replace(/\$\d+(, \$\d+)+/g, '$…')
      .trim();
    const t0 = nowMs();
    const done = () => {
      const ms = nowMs() - t0;
      const s = byText.get(key) ?? { text: key, calls: 0, totalMs: 0, maxMs: 0, slowest: { text, values } };
      s.calls += 1;
      s.totalMs += ms;
      if (ms >= s.maxMs) {
        s.maxMs = ms;
        s.slowest = { text, values };
      }
      byText.set(key, s);
    };
    result.then(done, done);
    return result;
  };
  return {
    start() {
      byText.clear();
      on = true;
    },
    stop() {
      on = false;
      return [...byText.values()].sort((a, b) => b.totalMs - a.totalMs);
    },
  };
}
