/**
 * Event-driven wait shared by the WeCom fakes: the first item of `seen` (past) or emitted as
 * `event` on `events` (future) that matches `predicate`; rejects after `timeoutMs` ms naming `who`.
 */
import type { EventEmitter } from 'node:events';

export function waitForRecord<T>(
  seen: readonly T[],
  events: EventEmitter,
  event: string,
  predicate: (x: T) => boolean,
  timeoutMs: number,
  who: string,
): Promise<T> {
  const hit = seen.find(predicate);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    const on = (x: T) => {
      if (!predicate(x)) return;
      clearTimeout(timer);
      events.off(event, on);
      resolve(x);
    };
    const timer = setTimeout(() => {
      events.off(event, on);
      reject(new Error(`${who}.waitFor: nothing matching within ${timeoutMs} ms`));
    }, timeoutMs);
    events.on(event, on);
  });
}
