/**
 * The 台账 export under a slow or vanishing reader (issue 15 item 5): the xlsx writer reads the
 * next page only when what it already wrote has gone out, so a client that reads slowly does not
 * make the file pile up in memory (exceljs's streaming writer alone never reports back-pressure);
 * a client that goes away ends the export with an error instead of leaving it waiting for ever.
 * Pages are built in memory (no database): what is measured is the writer's pacing.
 */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { Directory } from '../../../src/domain/Directory.js';
import type { ExportPage } from '../../../src/domain/report-ports.js';
import type { Incident, LedgerEntry } from '../../../src/domain/types.js';
import {
  EXPORT_SHEETS,
  ExportAbortedError,
  writeLedgerExport,
  zipEntryStream,
} from '../../../src/reports/ledger-export.js';
import { demoConfig } from '../../helpers/app.js';

const dir = new Directory(demoConfig());
const PAGES = 12;
const PER_PAGE = 500; // the default `dashboard.exportBatchSize`

function incident(n: number): Incident {
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000);
  return {
    id: `YQ-20260101-${String(n).padStart(5, '0')}`,
    // varied text, so a page compresses like real rows rather than to almost nothing
    title: `某论坛出现关于低保审核的帖子 ${(n * 7919) % 100_003} ${at.toISOString()}`,
    description: '',
    sourceUrl: `https://bbs.example.cn/t/${(n * 104_729) % 1_000_003}`,
    sourceType: 'self',
    foundAt: at,
    occurredAt: null,
    reportedAt: at,
    reporterId: 'chenjing',
    unitId: 'relief',
    chatId: 'relief',
    category: 'inquiry',
    proposedLevel: 'III',
    confirmedLevel: null,
    status: 'handling',
    closedAt: null,
    planId: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** `PAGES` pages of `PER_PAGE` incidents; `onPull(k)` runs before page k (1-based) is handed out. */
async function* pages(onPull: (k: number) => void = () => {}): AsyncIterable<ExportPage> {
  for (let k = 1; k <= PAGES; k++) {
    onPull(k);
    const incidents = Array.from({ length: PER_PAGE }, (_, j) => incident((k - 1) * PER_PAGE + j));
    yield { incidents, milestones: [], breaches: [], acknowledgements: [], assignments: [] };
  }
}

async function* noLedger(): AsyncIterable<LedgerEntry[]> {}

/**
 * A reader that takes one chunk per turn of the event loop (`setImmediate`), far slower than the
 * writer can produce in memory; keeps the bytes so the file can be read back.
 */
function slowReader(): { out: Writable; bytes: () => number; file: () => Buffer } {
  const chunks: Buffer[] = [];
  let n = 0;
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      n += chunk.length;
      setImmediate(cb);
    },
  });
  return { out, bytes: () => n, file: () => Buffer.concat(chunks) };
}

test('exceljs still exposes the sheet stream the xlsx writer waits on (its internals, exceljs pinned)', () => {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });
  const ws = wb.addWorksheet('x');
  expect(typeof zipEntryStream(ws)?.write).toBe('function');
});

test('xlsx: a slow reader keeps the writer at most a few pages ahead of what was sent, and the file reads back whole', async () => {
  // what one page weighs compressed, from a run at full speed
  const fast = slowReader();
  await writeLedgerExport(dir, fast.out, { format: 'xlsx', pages: pages(), ledger: noLedger(), ledgerText: () => '' });
  const perPage = fast.bytes() / PAGES;

  const slow = slowReader();
  const sentAtPull: number[] = [];
  const n = await writeLedgerExport(dir, slow.out, {
    format: 'xlsx',
    pages: pages((k) => {
      sentAtPull[k] = slow.bytes();
    }),
    ledger: noLedger(),
    ledgerText: () => '',
  });
  expect(n.incidents).toBe(PAGES * PER_PAGE);
  // before page k is read, pages 1..k-1 have been produced; all but the last ~3 must have gone out
  const lead = sentAtPull.map((sent, k) => k - 1 - sent / perPage).filter((x) => !Number.isNaN(x));
  expect(Math.max(...lead)).toBeLessThan(3);

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(slow.file() as unknown as ArrayBuffer);
  const sheet = wb.getWorksheet(EXPORT_SHEETS.incidents)!;
  expect(sheet.rowCount).toBe(PAGES * PER_PAGE + 1);
  expect(sheet.getRow(2).getCell(1).value).toBe(incident(0).id);
  expect(sheet.getRow(PAGES * PER_PAGE + 1).getCell(1).value).toBe(incident(PAGES * PER_PAGE - 1).id);
}, 60_000);

test.each(['xlsx', 'csv'] as const)('%s: a reader that goes away ends the export with an error', async (format) => {
  let pulled = 0;
  const out = new Writable({
    highWaterMark: 1024,
    write(_chunk, _enc, _cb) {
      // never calls back: the client stopped reading; then it hangs up
      setImmediate(() => out.destroy());
    },
  });
  await expect(
    writeLedgerExport(dir, out, {
      format,
      pages: pages(() => {
        pulled += 1;
      }),
      ledger: noLedger(),
      ledgerText: () => '',
    }),
  ).rejects.toBeInstanceOf(ExportAbortedError);
  expect(pulled).toBeLessThan(PAGES);
});
