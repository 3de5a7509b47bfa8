/** Issue 7 item 1 on PostgreSQL: the SQL scope filter agrees with the policy; the same scenario runs in memory in test/unit. */
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { visibilityScenario } from '../../helpers/visibility-scenario.js';

let db: TestDatabase | undefined;
visibilityScenario(
  async () => {
    db = await createTestDatabase();
    return db.store.uow;
  },
  async () => {
    await db?.drop();
    db = undefined;
  },
);
