/**
 * Issue 15's targets as the benchmarks measure them: each a figure (a ratio to a same-run baseline,
 * a latency or a size) with its target and whether it was met; printed as a table and, as the last
 * line of a run, one JSON object keyed by target (open, read, deadlines, rollup, export, start).
 */

/** One measured target. */
export interface Target {
  /** JSON key, e.g. `open`, `openP99`, `read`, `start`. */
  key: string;
  name: string;
  figure: number;
  /** `ratio`, `ms`, `s`, `MiB`, … */
  unit: string;
  /** The target as text, e.g. `≥ 0.50` or `< 100`. */
  target: string;
  met: boolean;
  /** Further figures for the JSON line (baseline values, counts, settings). */
  extra?: Record<string, unknown>;
}

/** The target keys; one not measured in a run is reported as `null` in the JSON line. */
export const TARGET_KEYS = ['open', 'read', 'deadlines', 'rollup', 'export', 'start'] as const;

/** The targets as a Markdown table. */
export function formatTargets(targets: readonly Target[]): string {
  const lines = ['| target | figure | target | met |', '|---|---:|---|---|'];
  for (const t of targets)
    lines.push(
      `| ${t.key}: ${t.name} | ${Number.isFinite(t.figure) ? t.figure.toFixed(t.unit === 'ratio' ? 2 : 1) : '—'} ${t.unit} | ${t.target} | ${t.met ? 'met' : 'NOT met'} |`,
    );
  return lines.join('\n');
}

/** One JSON object: every target key (null when not measured), each `{figure, unit, target, met, …extra}`. */
export function targetsJson(targets: readonly Target[]): string {
  const out: Record<string, unknown> = {};
  for (const k of TARGET_KEYS) out[k] = null;
  for (const t of targets)
    out[t.key] = { figure: round(t.figure), unit: t.unit, target: t.target, met: t.met, ...roundAll(t.extra ?? {}) };
  return JSON.stringify(out);
}

function round(v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v;
}
function roundAll(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
}
