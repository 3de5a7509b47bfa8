/** Processed callback ids (dedupe, wecom.md §5) are pruned after the retention period by an Agenda job. */
import { HOUSEKEEPING_JOB } from '../../../src/jobs/housekeeping.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

test('the housekeeping job forgets dedupe records older than 7 days, and keeps fresh ones', async () => {
  expect(await app.store.dedupe.firstSeen('wecom', 'old-msg')).toBe(true);
  expect(await app.store.dedupe.firstSeen('wecom', 'old-msg')).toBe(false);
  app.clock.advance(8 * 24 * 3600_000);
  const done = new Promise((resolve) => app.scheduler.agenda.once(`complete:${HOUSEKEEPING_JOB}`, resolve));
  await app.scheduler.agenda.now(HOUSEKEEPING_JOB);
  await done;
  expect(await app.store.dedupe.firstSeen('wecom', 'old-msg')).toBe(true);
});
