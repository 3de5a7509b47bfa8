/**
 * Which errors mean "the database is not reachable" (src/store/availability.ts `isConnectionError`),
 * here those of a Unix socket: the embedded server listens on one in `<dataDir>/pg`.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isConnectionError } from '../../../src/store/availability.js';

/** The error of connecting to a Unix socket path where nothing is. */
function connectError(socketPath: string): Promise<Error> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.on('error', (err) => resolve(err));
    s.on('connect', () => {
      s.destroy();
      resolve(new Error('connected'));
    });
  });
}

test('a Unix socket that is gone (server stopped) is a connection error; other ENOENTs are not', async () => {
  const gone = await connectError(path.join(os.tmpdir(), `yq-no-such-socket-${process.pid}`, '.s.PGSQL.5432'));
  expect((gone as NodeJS.ErrnoException).code).toBe('ENOENT');
  expect(isConnectionError(gone)).toBe(true);
  expect(isConnectionError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', syscall: 'open' }))).toBe(
    false,
  );
  expect(isConnectionError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
});
