/**
 * Reading a request body with a size limit, shared by the adapters that read their own bodies
 * (the sandbox API, the WeCom callbacks).
 */
import type { IncomingMessage } from 'node:http';

/**
 * Reads the request stream up to `maxBytes` bytes. Past the limit it rejects with `tooLarge()` and
 * lets the rest of the body drain unread, without destroying the request: leaving a `for await`
 * over the request early would destroy its socket, so the 4xx answer could not be sent and the
 * keep-alive connection would hang for the next request.
 * @throws what `tooLarge()` returns, past the limit; the stream's own error
 */
export function readLimited(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += b.length;
      if (size > maxBytes) {
        cleanup();
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(b);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
