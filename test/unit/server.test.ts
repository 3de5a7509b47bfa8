import { isLoopback } from '../../src/server.js';

test('the sandbox is served to loopback addresses only by default (it has no login)', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
  for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '', undefined])
    expect(isLoopback(a)).toBe(false);
});
