/**
 * A pino logger whose lines are kept in memory (parsed JSON), so a test can count what the bot
 * logged: `const logs = captureLogs('debug'); startApp({ logger: logs.logger, … }); logs.lines`.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** One parsed log line: pino's numeric `level`, `msg`, `time` (ms) and the bound fields. */
export interface LogLine {
  level: number;
  msg?: string;
  time: number;
  [k: string]: unknown;
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A logger writing into `lines`; `between(t0, t1, minLevel)` filters them. */
export function captureLogs(level: pino.LevelWithSilent = 'info'): {
  logger: Logger;
  lines: LogLine[];
  between(from: number, to: number, minLevel?: number): LogLine[];
} {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    lines,
    between: (from, to, minLevel = 0) => lines.filter((l) => l.time >= from && l.time <= to && l.level >= minLevel),
  };
}
