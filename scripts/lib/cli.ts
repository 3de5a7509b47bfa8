/**
 * The command line of the send-test scripts (`npm run wecom:send-test`, `npm run dingtalk:send-test`):
 * one place for parsing flags and for the bilingual error exit.
 */
import { parseArgs } from 'node:util';

/** Flag values: strings for `--name value`, booleans for switches (`--help`). */
export type CliValues = Record<string, string | boolean | undefined>;

/** A script's command line: its usage text and the error exit that prints it. */
export interface Cli {
  /** Prints `错误：<zh>` / `Error: <en>` and the usage to stderr, then exits with code 2. */
  fail(zh: string, en: string): never;
  /**
   * Parses `process.argv` with the given string flags plus `--help`/`-h`. Unknown flags end in `fail`;
   * `--help` prints the usage and returns undefined (the script then stops).
   */
  parse(flags: string[]): CliValues | undefined;
}

/** Builds the command line of a script whose usage text is `usage`. */
export function cli(usage: string): Cli {
  const fail = (zh: string, en: string): never => {
    console.error(`错误：${zh}\nError: ${en}\n\n${usage}`);
    process.exit(2);
  };
  return {
    fail,
    parse(flags) {
      let values: CliValues;
      try {
        const options = Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }]));
        ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } }));
      } catch (err) {
        return fail('参数无法识别。', (err as Error).message);
      }
      if (values.help) {
        console.log(usage);
        return undefined;
      }
      return values;
    },
  };
}
