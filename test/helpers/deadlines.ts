/**
 * Helpers for deadline tests: a compact policy (short limits, short ladder) on the demo
 * organisation, and event-driven waits on bot messages and on Agenda chase runs.
 */
import type { Job } from 'agenda';
import type { SandboxMessage } from '../../src/bot/adapters/sandbox/index.js';
import type { MilestoneDef, OrgConfig } from '../../src/config/schema.js';
import type { ChaseRun } from '../../src/domain/ports.js';
import { CHASE_JOB } from '../../src/jobs/chase-job.js';
import type { TestApp } from './app.js';
import { demoConfig } from './app.js';

/** Scale used by these tests: 10 business minutes pass in 1.2 s. */
export const SCALE = 0.002;

/**
 * The demo organisation with only the given milestones and a ladder of 5-minute rungs
 * (owner at the deadline, then direct-responsible, first-responsible, leadership group, upper authority),
 * one reminder at 50 %, no quiet hours.
 */
export function compactConfig(
  milestones: Array<Partial<MilestoneDef> & Pick<MilestoneDef, 'key' | 'name' | 'clock' | 'owners'>>,
): OrgConfig {
  const c = demoConfig();
  c.milestones = milestones.map((m) => ({
    aliases: [],
    perOwner: false,
    enabled: true,
    perLevel: {},
    metBy: [],
    ...m,
  }));
  c.escalation = {
    remindAt: [0.5],
    ladder: [
      { target: 'owner', afterMinutes: 0 },
      { target: 'directResponsible', afterMinutes: 5 },
      { target: 'firstResponsible', afterMinutes: 5 },
      { target: 'leadershipGroup', afterMinutes: 5 },
      { target: 'upperAuthority', afterMinutes: 5 },
    ],
    quietHours: {},
  };
  return c;
}

/** Resolves with the first bot message in `chatId` (or `@<personId>` for 1:1) whose text includes every part. */
export function botSays(app: TestApp, chatId: string, ...parts: string[]): Promise<SandboxMessage> {
  return app.sandbox!.waitForMessage(chatId, (m) => m.from === 'bot' && parts.every((p) => m.text.includes(p)), 20_000);
}

/** Resolves when an Agenda chase run matching `pred` completes (event-driven). */
export function chaseRunCompletes(
  app: TestApp,
  pred: (run: ChaseRun, job: Job<ChaseRun>) => boolean,
): Promise<Job<ChaseRun>> {
  return new Promise((resolve) => {
    const on = (job: Job<ChaseRun>) => {
      if (!pred(job.attrs.data, job)) return;
      app.scheduler.agenda.off(`complete:${CHASE_JOB}`, on as never);
      resolve(job);
    };
    app.scheduler.agenda.on(`complete:${CHASE_JOB}`, on as never);
  });
}

/** Ledger entries of an incident of the given kind (payload included). */
export async function entries(app: TestApp, incidentId: string, kind: string) {
  return (await app.incidents.view({ kind: 'system' }, incidentId)).ledger.filter((e) => e.kind === kind);
}
