/**
 * Opening an incident the way a person does: a `/上报` message in a sandbox group chat, answered by
 * the bot's 【舆情上报】 notice (the full path: SandboxAdapter → Bot → IncidentService → PostgreSQL).
 */
import type { RunningApp } from '../../src/app.js';

/** Sandbox chat used by the benchmarks (社会救助股工作群) and its 舆情监测员. */
export const CHAT = 'relief';
export const REPORTER = 'chenjing';
const NOTICE_TIMEOUT_MS = 30_000;

/**
 * Sends `/上报 … <token> [level]` and resolves with the incident id once its open notice is in the
 * chat. `token` must be unique: it finds the notice among concurrent ones.
 * @throws Error when the bot answers anything but an open notice, or nothing within 30 s.
 */
export async function reportIncident(app: RunningApp, token: string, level = ''): Promise<string> {
  const sb = app.sandbox!;
  sb.postMessage(CHAT, REPORTER, `/上报 基准测试：某论坛出现关于低保审核不公的帖子，转发较快 ${token} ${level}`.trim());
  const m = await sb.waitForMessage(CHAT, (x) => x.from === 'bot' && x.text.includes(token), NOTICE_TIMEOUT_MS);
  const id = /^【舆情上报】\*{0,2}(YQ-\d{8}-\d{3,})/.exec(m.text)?.[1];
  if (!id) throw new Error(`unexpected answer to ${token}: ${m.text.slice(0, 120)}`);
  return id;
}
