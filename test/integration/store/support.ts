/** Shared helpers for the store integration tests (not a test file). */
import fs from 'node:fs';
import type { NewIncident } from '../../../src/domain/types.js';

/** A valid NewIncident; `overrides` win. Instants are fixed UTC values. */
export function makeIncident(id: string, overrides: Partial<NewIncident> = {}): NewIncident {
  const foundAt = new Date('2026-11-29T01:00:00Z');
  return {
    id,
    title: '某校食堂视频引发关注',
    description: '微博出现食堂卫生视频，转发量上升',
    sourceUrl: 'https://weibo.example/123',
    sourceType: 'self',
    foundAt,
    occurredAt: null,
    reportedAt: new Date('2026-11-29T01:05:00Z'),
    reporterId: 'p-monitor',
    unitId: 'u-school',
    chatId: 'c-school',
    category: null,
    proposedLevel: 'III',
    confirmedLevel: null,
    status: 'reported',
    closedAt: null,
    planId: null,
    ...overrides,
  };
}

/**
 * Resolves once `check()` is true, re-checking every `intervalMs`; for conditions that no event
 * announces (another backend waiting on a lock, an external process exiting).
 * @throws Error after `timeoutMs`.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True if `pid` is a live (non-zombie) process. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
