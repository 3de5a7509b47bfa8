/**
 * The 台账 export (issue 11 item 3): one row per incident — id, found-at, reported-at, source,
 * link, unit, level, category, reporter, responsible people with their acknowledgement times,
 * each milestone's due and met times, breaches, status, closed-at — and a second sheet with every
 * ledger entry. Written as it is read (pages of `ReportStore.exportIncidents` / `exportLedger`):
 * xlsx through exceljs's streaming `WorkbookWriter`, CSV row by row in UTF-8 with a BOM (so Excel
 * shows Chinese). Every cell is text (ids, sequence numbers and long numbers never become
 * numbers); times are business time `YYYY-MM-DD HH:mm` in the configured zone, never the machine's.
 */
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { businessFormatter } from '../domain/business-time.js';
import type { Directory } from '../domain/Directory.js';
import { STATUS_NAMES } from '../domain/messages.js';
import type { ExportPage } from '../domain/report-ports.js';
import { effectiveLevel, incidentPeople, responsibleIds } from '../domain/responsibility.js';
import type { LedgerEntry, MilestoneRecord } from '../domain/types.js';
import { baseKey } from './figures.js';

/** The export's formats: Excel workbook (two sheets) or CSV (one sheet, `sheet` chooses). */
export type ExportFormat = 'xlsx' | 'csv';

/** What an export reads and how it names things. */
export interface LedgerExportInput {
  format: ExportFormat;
  /** For CSV: which sheet (default the incidents); xlsx always has both. */
  sheet?: 'incidents' | 'ledger';
  pages: AsyncIterable<ExportPage>;
  ledger: AsyncIterable<LedgerEntry[]>;
  /** The Chinese text of a ledger entry (the chat's `/查看` line, commands/render.ts `ledgerLine`). */
  ledgerText: (e: LedgerEntry) => string;
}

/** Sheet names (the second holds every ledger entry). */
export const EXPORT_SHEETS = { incidents: '台账', ledger: '台账明细' } as const;

const SOURCE: Record<string, string> = { self: '自查', assigned: '上级交办' };
const GRADE: Record<string, string> = { minor: '轻微', major: '重大' };

/** A column: header and width (characters). */
interface Column {
  header: string;
  width: number;
}

/** The incident sheet's columns: fixed ones, then due and met per configured milestone. */
export function incidentColumns(dir: Directory): Column[] {
  return [
    { header: '编号', width: 18 },
    { header: '标题', width: 30 },
    { header: '发现时间', width: 17 },
    { header: '上报时间', width: 17 },
    { header: '来源', width: 8 },
    { header: '链接', width: 30 },
    { header: '单位', width: 14 },
    { header: '级别', width: 14 },
    { header: '类别', width: 12 },
    { header: '上报人', width: 10 },
    { header: '责任人及签收', width: 40 },
    ...dir.milestoneSpecs().flatMap((m) => [
      { header: `${m.name}时限`, width: 17 },
      { header: `${m.name}完成`, width: 17 },
    ]),
    { header: '违约', width: 30 },
    { header: '状态', width: 8 },
    { header: '办结时间', width: 17 },
  ];
}

/** The ledger sheet's columns. */
export const LEDGER_COLUMNS: readonly Column[] = [
  { header: '序号', width: 10 },
  { header: '事件编号', width: 18 },
  { header: '时间', width: 17 },
  { header: '操作人', width: 10 },
  { header: '类型', width: 22 },
  { header: '内容', width: 60 },
  { header: '原始记录', width: 40 },
];

/** One incident of a page with its rows. */
export interface ExportItem {
  incident: ExportPage['incidents'][number];
  milestones: ExportPage['milestones'];
  breaches: ExportPage['breaches'];
  acknowledgements: ExportPage['acknowledgements'];
  assignments: ExportPage['assignments'];
}

/** A page split per incident (one pass over each row list), incidents in page order. */
export function pageItems(page: ExportPage): ExportItem[] {
  const by = new Map<string, ExportItem>(
    page.incidents.map((incident) => [
      incident.id,
      { incident, milestones: [], breaches: [], acknowledgements: [], assignments: [] },
    ]),
  );
  for (const m of page.milestones) by.get(m.incidentId)?.milestones.push(m);
  for (const b of page.breaches) by.get(b.incidentId)?.breaches.push(b);
  for (const a of page.acknowledgements) by.get(a.incidentId)?.acknowledgements.push(a);
  for (const a of page.assignments) by.get(a.incidentId)?.assignments.push(a);
  return [...by.values()];
}

/** The cells of one incident's row (all text), in `incidentColumns` order; `fmt` is `businessFormatter(dir.timezone)`. */
export function incidentCells(dir: Directory, item: ExportItem, fmt: (at: Date) => string): string[] {
  const t = (d: Date | null) => (d ? fmt(d) : '');
  const i = item.incident;
  const acks = item.acknowledgements;
  const people = incidentPeople(
    dir,
    i,
    item.assignments.map((a) => a.personId),
  );
  const roleOf = (p: string) =>
    p === people.firstResponsible ? '第一责任人' : p === people.directResponsible ? '直接责任人' : '指派';
  const responsible = responsibleIds(people)
    .map((p) => {
      const a = acks.find((x) => x.personId === p);
      return `${dir.nameOf(p)}（${roleOf(p)}）${a ? `签收 ${t(a.at)}` : '未签收'}`;
    })
    .join('；');
  const ms = item.milestones;
  const join = (rows: MilestoneRecord[], f: (m: MilestoneRecord) => string) =>
    rows.length === 1 ? f(rows[0]) : rows.map((m) => `${m.name} ${f(m)}`).join('；');
  const met = (m: MilestoneRecord) => (m.metAt ? t(m.metAt) : m.state === 'cancelled' ? '已取消' : '未完成');
  const milestoneCells = dir.milestoneSpecs().flatMap((spec) => {
    const rows = ms.filter((m) => baseKey(m.key) === spec.key);
    return rows.length ? [join(rows, (m) => t(m.dueAt)), join(rows, met)] : ['', ''];
  });
  const nameOfMilestone = (key: string) =>
    ms.find((m) => m.key === key)?.name ?? dir.milestoneSpec(baseKey(key))?.name ?? key;
  const breaches = item.breaches
    .map((b) => `${nameOfMilestone(b.milestoneKey)} ${t(b.at)} ${GRADE[b.grade] ?? b.grade}`)
    .join('；');
  const level = effectiveLevel(i);
  return [
    i.id,
    i.title,
    t(i.foundAt),
    t(i.reportedAt),
    SOURCE[i.sourceType] ?? i.sourceType,
    i.sourceUrl ?? '',
    dir.unit(i.unitId)?.name ?? i.unitId,
    `${dir.level(level)?.name ?? level}（${level}）`,
    i.category ? (dir.category(i.category)?.name ?? i.category) : '未分类',
    dir.nameOf(i.reporterId),
    responsible,
    ...milestoneCells,
    breaches,
    STATUS_NAMES[i.status] ?? i.status,
    t(i.closedAt),
  ];
}

/** The cells of one ledger entry (all text), in `LEDGER_COLUMNS` order. */
export function ledgerCells(
  dir: Directory,
  e: LedgerEntry,
  text: (e: LedgerEntry) => string,
  fmt: (at: Date) => string,
): string[] {
  const who = e.actor === 'bot' || e.actor === 'system' ? '系统' : dir.nameOf(e.actor);
  return [String(e.seq), e.incidentId ?? '', fmt(e.at), who, e.kind, text(e), JSON.stringify(e.payload)];
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading `=`,
 * `+`, `-`, `@`, tab or CR gets a `'` so a spreadsheet never runs it as a formula (OWASP CSV injection).
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The export stopped because its output (the HTTP response) closed before the end: the client went away. */
export class ExportAbortedError extends Error {
  constructor() {
    super('export aborted: the output closed');
    this.name = 'ExportAbortedError';
  }
}

/**
 * Resolves on `stream`'s next 'drain'; rejects when `out` (the response) closes or fails first, so
 * an export whose client went away stops instead of waiting for ever. `stream` may be `out` itself.
 * @throws ExportAbortedError on close, or the stream's own error.
 */
export function drained(stream: Writable, out: Writable = stream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new ExportAbortedError());
    const onError = (err: Error) => done(err);
    stream.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
    if (out.destroyed) onClose();
  });
}

/** Writes `chunk` and waits for the stream to drain when its buffer is full (back-pressure). */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await drained(out);
}

/**
 * The stream a streamed worksheet's XML waits in before it is compressed into the zip: exceljs
 * 4.4 (pinned) pipes the sheet's `StreamBuf` into archiver's entry `PassThrough` without ever
 * looking at `write()`'s result (exceljs issue #734: no back-pressure indication), so that
 * PassThrough's buffer is where a slow client, or a deflate running behind, piles the file up
 * uncompressed. Reaches into exceljs's internals (`stream`, `pipes`); `undefined` if they change
 * (test/unit/reports/ledger-export-backpressure.test.ts fails then).
 */
export function zipEntryStream(ws: ExcelJS.Worksheet): Writable | undefined {
  const sheet = (ws as unknown as { stream?: { pipes?: unknown[] } }).stream;
  const entry = sheet?.pipes?.[0] as EntryStream | undefined;
  return entry && typeof entry.write === 'function' && typeof entry._writableState?.needDrain === 'boolean'
    ? entry
    : undefined;
}

/** archiver's entry stream is a readable-stream 2 PassThrough: no `writableNeedDrain` getter, the state is public-ish. */
type EntryStream = Writable & { _writableState?: { needDrain?: unknown } };

/** Whether `s` has refused a write and will emit 'drain' (Node streams and readable-stream 2 alike). */
function needsDrain(s: Writable): boolean {
  return s.writableNeedDrain ?? (s as EntryStream)._writableState?.needDrain === true;
}

/**
 * Waits until the sheet's pending XML has been taken in by the compressor (and so by `out`, which
 * pulls from it): called after each page, it bounds what an export holds to about one page of XML
 * whatever the client's speed. Falls back to `out`'s own buffer when the entry stream is unknown.
 */
async function sheetDrained(ws: ExcelJS.Worksheet, out: Writable): Promise<void> {
  const entry = zipEntryStream(ws);
  if (entry && needsDrain(entry)) await drained(entry, out);
  else if (out.writableNeedDrain) await drained(out);
  else if (out.destroyed) throw new ExportAbortedError();
}

/**
 * Streams the export into `out` and ends it.
 * @returns how many incidents and ledger entries were written.
 * @throws ExportAbortedError when `out` closes first (the client went away); else what the store
 *   or the stream throws (the caller logs it; the response is cut short).
 */
export async function writeLedgerExport(
  dir: Directory,
  out: Writable,
  input: LedgerExportInput,
): Promise<{ incidents: number; entries: number }> {
  let incidents = 0;
  let entries = 0;
  const fmt = businessFormatter(dir.timezone);
  if (input.format === 'csv') {
    const line = (cells: string[]) => `${cells.map(csvField).join(',')}\r\n`;
    await write(out, '\uFEFF');
    if (input.sheet === 'ledger') {
      await write(out, line(LEDGER_COLUMNS.map((c) => c.header)));
      for await (const page of input.ledger)
        for (const e of page) {
          await write(out, line(ledgerCells(dir, e, input.ledgerText, fmt)));
          entries += 1;
        }
    } else {
      await write(out, line(incidentColumns(dir).map((c) => c.header)));
      for await (const page of input.pages)
        for (const item of pageItems(page)) {
          await write(out, line(incidentCells(dir, item, fmt)));
          incidents += 1;
        }
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return { incidents, entries };
  }
  // loaded on the first xlsx export, not at start: exceljs alone is ≈ 22 MiB of an idle bot's RSS
  // (issue 15 target 6, bench (g))
  const { default: excel } = await import('exceljs');
  const wb = new excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  wb.creator = dir.botName;
  const sheet = (name: string, columns: readonly Column[]) => {
    const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
    // every value is a string, written as an inline-string (text) cell: no number format needed;
    // without styles and shared strings exceljs streams about 3× faster (bench (x))
    ws.columns = columns.map((c, k) => ({ header: c.header, key: `c${k}`, width: c.width }));
    return ws;
  };
  const ws1 = sheet(EXPORT_SHEETS.incidents, incidentColumns(dir));
  for await (const page of input.pages) {
    for (const item of pageItems(page)) {
      ws1.addRow(incidentCells(dir, item, fmt)).commit();
      incidents += 1;
    }
    await sheetDrained(ws1, out);
  }
  ws1.commit();
  const ws2 = sheet(EXPORT_SHEETS.ledger, LEDGER_COLUMNS);
  for await (const page of input.ledger) {
    for (const e of page) {
      ws2.addRow(ledgerCells(dir, e, input.ledgerText, fmt)).commit();
      entries += 1;
    }
    await sheetDrained(ws2, out);
  }
  ws2.commit();
  await wb.commit();
  return { incidents, entries };
}
