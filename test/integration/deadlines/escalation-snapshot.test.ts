/** Issue 7 item 3 on PostgreSQL (migration 0004 `plan_snapshots`); the same scenario runs in memory in test/unit. */
import { escalationSnapshotScenario } from '../../helpers/escalation-snapshot-scenario.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let db: TestDatabase | undefined;
escalationSnapshotScenario(
  async () => {
    db = await createTestDatabase();
    return db.store.uow;
  },
  async () => {
    await db?.drop();
    db = undefined;
  },
);
