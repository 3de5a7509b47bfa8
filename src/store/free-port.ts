/** Free TCP port discovery for the embedded PostgreSQL. */
import net from 'node:net';

/**
 * Asks the OS for a free port on `host` (listen on port 0, read it, close). Another process could
 * take it before we use it; callers retry on a failed start.
 * @returns a port number in 1..65535.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
