/**
 * Retry delays of the delivery worker: exponential backoff with jitter (issue 14 item 2). The
 * numbers are configuration (`delivery.retry` in config/default.yaml).
 */

/** Retry settings, all in ms. */
export interface RetryPolicy {
  /** Delay before the first retry (doubled per attempt). */
  baseMs: number;
  /** Cap of a single delay. */
  maxMs: number;
  /** A row still failing this long after its retry period began goes to the dead letter (default 24 h). */
  deadAfterMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): `min(maxMs, baseMs · 2^(attempt−1))`
 * scaled by a jitter factor in [0.5, 1) so instances and chats do not retry in lockstep.
 * @param random a [0, 1) source (tests pass their own).
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.5 + random() / 2));
}
