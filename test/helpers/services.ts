/**
 * The domain services wired on any `UnitOfWork` — the in-memory fake (unit tests, no database) or
 * PostgreSQL (`createTestDatabase().store.uow`) — the way src/app.ts wires them, with a frozen
 * clock, a recording scheduler, notifier and logger instead of Agenda and the chat platforms.
 */
import { ChineseWorkingCalendar } from '../../src/calendar/ChineseWorkingCalendar.js';
import type { OrgConfig } from '../../src/config/schema.js';
import { ChaseService } from '../../src/domain/deadlines/ChaseService.js';
import { DeadlinePlanner } from '../../src/domain/deadlines/DeadlinePlanner.js';
import { Directory } from '../../src/domain/Directory.js';
import { IncidentService } from '../../src/domain/IncidentService.js';
import { MilestoneService } from '../../src/domain/MilestoneService.js';
import type { Actor, ChaseRun, DomainLogger, IncidentRepo, Notice, UnitOfWork } from '../../src/domain/ports.js';
import type { NewLedgerEntry } from '../../src/domain/types.js';
import { MemoryUnitOfWork } from '../fakes/memory/MemoryUnitOfWork.js';
import { demoConfig, TestClock } from './app.js';

/** A logger that keeps `(level, fields, msg)` for assertions. */
export class RecordingLog implements DomainLogger {
  readonly lines: Array<{ level: 'info' | 'warn' | 'error'; fields: Record<string, unknown>; msg: string }> = [];
  info(fields: object, msg: string): void {
    this.lines.push({ level: 'info', fields: fields as Record<string, unknown>, msg });
  }
  warn(fields: object, msg: string): void {
    this.lines.push({ level: 'warn', fields: fields as Record<string, unknown>, msg });
  }
  error(fields: object, msg: string): void {
    this.lines.push({ level: 'error', fields: fields as Record<string, unknown>, msg });
  }
}

/** The services plus what they recorded. */
export interface Services {
  uow: UnitOfWork;
  directory: Directory;
  clock: TestClock;
  incidents: IncidentService;
  milestones: MilestoneService;
  planner: DeadlinePlanner;
  /** A chase service on `directory`; `chaseWith(other)` builds one on another directory (a config reload). */
  chase: ChaseService;
  chaseWith(directory: Directory): ChaseService;
  /** Chase runs the planner scheduled (after commit), with their times. */
  scheduled: Array<{ run: ChaseRun; at: Date }>;
  notices: Notice[];
  log: RecordingLog;
}

/** An actor for a config person id. */
export function actor(dir: Directory, personId: string): Actor {
  return { id: personId, personId, name: dir.nameOf(personId) };
}

/**
 * Builds the services. Defaults: the in-memory unit of work, the demo organisation, a clock frozen
 * at 2026-11-29 10:00 Asia/Shanghai (02:00 UTC), real time scale.
 */
export function services(
  opts: { uow?: UnitOfWork; config?: OrgConfig; clock?: TestClock; timeScale?: number } = {},
): Services {
  const config = opts.config ?? demoConfig();
  const uow = opts.uow ?? new MemoryUnitOfWork();
  const clock = opts.clock ?? TestClock.frozen(new Date('2026-11-29T02:00:00Z'));
  const timeScale = opts.timeScale ?? 1;
  const directory = new Directory(config);
  const log = new RecordingLog();
  const scheduled: Services['scheduled'] = [];
  const notices: Notice[] = [];
  const planner = new DeadlinePlanner({
    directory,
    calendar: new ChineseWorkingCalendar(config.calendar),
    timeScale,
    scheduler: { schedule: async (run, at) => void scheduled.push({ run, at }) },
    log,
  });
  // every notice the services queue in the outbox (issue 14), recorded on the way in
  const record = (repo: IncidentRepo): IncidentRepo =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        if (prop === 'enqueueNotice')
          return async (key: string, incidentId: string | null, n: Notice, entry?: NewLedgerEntry) => {
            notices.push(n);
            return target.enqueueNotice(key, incidentId, n, entry);
          };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  const recorded: UnitOfWork = {
    get repo() {
      return record(uow.repo);
    },
    transaction: (fn) => uow.transaction((repo) => fn(record(repo))),
  };
  const chaseWith = (dir: Directory) => new ChaseService({ uow: recorded, directory: dir, clock, timeScale, log });
  const deps = {
    uow: recorded,
    directory,
    clock,
    hooks: [planner],
    onAfterCommitError: (e: unknown) => {
      throw e;
    },
  };
  return {
    uow,
    directory,
    clock,
    incidents: new IncidentService(deps),
    milestones: new MilestoneService(deps),
    planner,
    chase: chaseWith(directory),
    chaseWith,
    scheduled,
    notices,
    log,
  };
}
