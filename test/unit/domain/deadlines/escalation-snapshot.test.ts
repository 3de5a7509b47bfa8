/** Issue 7 item 3 on the in-memory unit of work (no database); the same scenario runs on PostgreSQL in test/integration. */
import { MemoryUnitOfWork } from '../../../fakes/memory/MemoryUnitOfWork.js';
import { escalationSnapshotScenario } from '../../../helpers/escalation-snapshot-scenario.js';

escalationSnapshotScenario(
  async () => new MemoryUnitOfWork(),
  async () => {},
);
