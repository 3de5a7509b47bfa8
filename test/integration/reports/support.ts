/** Shared set-up of the report tests (not a test file): the demo organisation's report services on a store. */
import pino from 'pino';
import { ChineseWorkingCalendar } from '../../../src/calendar/ChineseWorkingCalendar.js';
import { Directory } from '../../../src/domain/Directory.js';
import { IncidentService } from '../../../src/domain/IncidentService.js';
import type { Clock, Notice, Notifier } from '../../../src/domain/ports.js';
import { ReportPoster } from '../../../src/reports/ReportPoster.js';
import { ReportService, type ReportServiceDeps } from '../../../src/reports/ReportService.js';
import type { Store } from '../../../src/store/index.js';
import { demoConfig } from '../../helpers/app.js';
import type { OrgConfig } from '../../../src/config/schema.js';

/** A notifier that keeps what it was handed (the app tests use the real sandbox instead). */
export class RecordingNotifier implements Notifier {
  readonly sent: Notice[] = [];
  async notify(n: Notice): Promise<void> {
    this.sent.push(n);
  }
}

/**
 * The report service and poster of the demo organisation over `store`.
 * @param deps overrides of the report service's dependencies (e.g. a counting `store`, the
 *   monotonic clock of the round's shared load).
 */
export function reportServices(
  store: Store,
  clock: Clock,
  config: OrgConfig = demoConfig(),
  deps: Partial<Pick<ReportServiceDeps, 'store' | 'monotonicMs' | 'awaitingApproval'>> = {},
) {
  const directory = new Directory(config);
  const incidents = new IncidentService({ uow: store.uow, directory, clock });
  const reports = new ReportService({
    store: store.reports,
    directory,
    calendar: new ChineseWorkingCalendar(config.calendar),
    ...deps,
  });
  const notifier = new RecordingNotifier();
  const poster = new ReportPoster({
    reports,
    store: store.reports,
    notifier,
    directory,
    clock,
    log: pino({ level: 'silent' }),
  });
  return { directory, incidents, reports, poster, notifier };
}
