/**
 * Property tests (fast-check) for the command parser and the commands' argument parsers (issue 14,
 * "Property tests"): arbitrary chat text never throws past the boundary and always yields a
 * command, an ignore (null), or a clear error — a `UsageError` whose Chinese message says what was
 * wrong and whose `usage` gives the right form. Runs: FAST_CHECK_RUNS (default 300 per property).
 */
import fc from 'fast-check';
import { cleanChatText, parseCommand, parseIncidentId, tokenize, tokenSpans } from '../../../src/bot/parser.js';
import { parseFoundAt, parseReportArgs, REPORT_USAGE } from '../../../src/commands/report.js';
import { Directory } from '../../../src/domain/Directory.js';
import { UsageError } from '../../../src/errors.js';
import { demoConfig } from '../../helpers/app.js';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 300);
const dir = new Directory(demoConfig());
const NOW = new Date('2026-11-29T03:00:00Z');

/** Pieces people (and attackers) actually type: command words, ids, options, odd characters. */
const piece = fc.oneof(
  fc.constantFrom(
    '/',
    '／',
    '@舆情助手',
    '＠舆情助手',
    ' ',
    '\u3000',
    '\n',
    '\t',
    '"',
    '“',
    '”',
    '「',
    '」',
    '#',
    '＃',
  ),
  fc.constantFrom('上报', 'report', '签收', '定级', '查看', '办结', '帮助', 'ＲＥＰＯＲＴ', '列表', '完成'),
  fc.constantFrom(
    'YQ-20261129-001',
    'yq_20261129_002',
    'ＹＱ－２０２６１１２９－００３',
    'YQ-2026112-001',
    '20261129-004',
  ),
  fc.constantFrom(
    '三级',
    'I',
    '级别:II',
    '级别:',
    '类别:谣言',
    '#社会救助股',
    '#不存在',
    '上级交办',
    '自查',
    '来源:别的',
  ),
  fc.constantFrom('发现:09:30', '发现:25:00', '发现：7:05', 'https://bbs.example.cn/t/1', 'www.example.cn'),
  fc.constantFrom('\u0000', '\u001f', '\u200b', '\u202e', '\ufeff', '\ud800', '\udc00', '😀', '\u2028'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
/** Arbitrary chat text: mostly made of pieces, sometimes fully random. */
const chatText = fc.oneof(
  fc.array(piece, { maxLength: 14 }).map((ps) => ps.join('')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);

test('parseCommand: any text is a command {name, args, tokens} or null, and never throws', () => {
  fc.assert(
    fc.property(chatText, (text) => {
      const parsed = parseCommand(text);
      if (parsed === null) return;
      expect(parsed.name.length).toBeGreaterThan(0);
      expect(parsed.name).toBe(parsed.name.toLowerCase());
      expect(parsed.name).not.toMatch(/[\s\u3000/／]/);
      expect(parsed.args).toBe(parsed.args.trim());
      expect(parsed.tokens).toEqual(tokenize(parsed.args));
      // Nothing PostgreSQL cannot store gets through (NUL, C0 controls, lone surrogates).
      expect(`${parsed.name}${parsed.args}`).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
      expect(() => encodeURIComponent(parsed.args)).not.toThrow();
    }),
    { numRuns: RUNS },
  );
});

test('parseCommand: a slash, a word and arguments always parse, whatever mentions and blanks come first', () => {
  const word = fc.stringMatching(/^[a-z\u4e00-\u9fa5]{1,6}$/);
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('@舆情助手 ', '＠某人\u3000', ' ', '\u200b'), { maxLength: 3 }),
      fc.constantFrom('/', '／'),
      word,
      fc.string({ maxLength: 40 }),
      (prefix, slash, name, rest) => {
        const parsed = parseCommand(`${prefix.join('')}${slash}${name} ${rest}`);
        expect(parsed?.name).toBe(name);
        expect(parsed?.args).toBe(cleanChatText(rest).trim());
      },
    ),
    { numRuns: RUNS },
  );
});

test('tokenize / tokenSpans: tokens are non-empty, in order, and each span points at its own text', () => {
  fc.assert(
    fc.property(chatText, (args) => {
      const spans = tokenSpans(args);
      let last = 0;
      for (const s of spans) {
        expect(s.text.length).toBeGreaterThan(0);
        expect(s.start).toBeGreaterThanOrEqual(last);
        expect(args.slice(s.start, s.end)).toContain(s.text);
        last = s.end;
      }
    }),
    { numRuns: RUNS },
  );
});

test('parseIncidentId: any token is a canonical YQ-YYYYMMDD-NNN or null', () => {
  fc.assert(
    fc.property(fc.oneof(piece, fc.string()), (token) => {
      const id = parseIncidentId(token);
      if (id !== null) expect(id).toMatch(/^YQ-\d{8}-\d{3,}$/);
    }),
    { numRuns: RUNS },
  );
});

test('parseReportArgs (/上报): any argument text yields a description of 1–2000 characters or a UsageError with the usage', () => {
  fc.assert(
    fc.property(fc.oneof(chatText, fc.string({ minLength: 1990, maxLength: 2100 })), (args) => {
      let out: ReturnType<typeof parseReportArgs>;
      try {
        out = parseReportArgs(args, dir, NOW);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        expect((err as UsageError).usage).toBe(REPORT_USAGE);
        expect((err as UsageError).message).toMatch(/[\u4e00-\u9fa5]/);
        return;
      }
      expect(out.description.length).toBeGreaterThan(0);
      expect(out.description.length).toBeLessThanOrEqual(2000);
      expect(out.description).toBe(out.description.trim());
      if (out.level) expect(dir.levels().map((l) => l.id)).toContain(out.level);
      if (out.unitId) expect(dir.allUnits().map((u) => u.id)).toContain(out.unitId);
      if (out.foundAt) {
        expect(out.foundAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
        expect(NOW.getTime() - out.foundAt.getTime()).toBeLessThan(24 * 3600_000);
      }
    }),
    { numRuns: RUNS },
  );
});

test('parseFoundAt (发现:HH:mm): a time within the last 24 hours, not after now, or a UsageError naming the right form', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 8 }), fc.stringMatching(/^\d{1,3}[:：]\d{1,3}$/)), (value) => {
      try {
        const at = parseFoundAt(value, 'Asia/Shanghai', NOW);
        expect(at.getTime()).toBeLessThanOrEqual(NOW.getTime());
        expect(NOW.getTime() - at.getTime()).toBeLessThan(24 * 3600_000);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        // the wrong form names the right one; a time later than now names the yesterday form
        expect((err as Error).message).toMatch(/HH:mm|发现:昨天\d{2}:\d{2}/);
      }
    }),
    { numRuns: RUNS },
  );
});
