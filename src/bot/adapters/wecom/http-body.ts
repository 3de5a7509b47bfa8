/**
 * Reads a callback's JSON body whether or not a body parser ran before the route: uses
 * `ctx.request.rawBody` (set by @koa/bodyparser) or a parsed object if present, else reads the
 * request stream itself (limit `maxBytes`).
 */
import type { Context } from 'koa';
import type { IncomingMessage } from 'node:http';
import { BadRequestError, type CodedError, PayloadTooLargeError } from '../../../errors.js';

/** Default body limit: callbacks are small (one encrypted JSON field). */
export const MAX_CALLBACK_BODY_BYTES = 1024 * 1024;

/**
 * Returns the parsed JSON body.
 * @throws BadRequestError for an empty or non-JSON body; CodedError BAD_REQUEST with status 413 for
 *   a body over `maxBytes` (declared in content-length or counted while streaming).
 */
export async function readJsonBody(ctx: Context, maxBytes = MAX_CALLBACK_BODY_BYTES): Promise<unknown> {
  const req = ctx.request as unknown as { body?: unknown; rawBody?: unknown };
  let text: string;
  if (typeof req.rawBody === 'string') {
    text = req.rawBody;
  } else if (
    req.body !== undefined &&
    req.body !== null &&
    typeof req.body === 'object' &&
    Object.keys(req.body).length > 0
  ) {
    return req.body;
  } else if (ctx.req.readableEnded) {
    throw new BadRequestError('empty body');
  } else {
    if (Number(ctx.get('content-length') || '0') > maxBytes) throw tooLarge();
    text = (await readLimited(ctx.req, maxBytes)).toString('utf8');
  }
  if (!text.trim()) throw new BadRequestError('empty body');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}

/**
 * Returns the raw body text (an XML callback of the self-built app [90930]), read the same way.
 * @throws BadRequestError for an empty body; 413 over `maxBytes`.
 */
export async function readTextBody(ctx: Context, maxBytes = MAX_CALLBACK_BODY_BYTES): Promise<string> {
  const req = ctx.request as unknown as { rawBody?: unknown };
  let text: string;
  if (typeof req.rawBody === 'string') text = req.rawBody;
  else if (ctx.req.readableEnded) throw new BadRequestError('empty body');
  else {
    if (Number(ctx.get('content-length') || '0') > maxBytes) throw tooLarge();
    text = (await readLimited(ctx.req, maxBytes)).toString('utf8');
  }
  if (!text.trim()) throw new BadRequestError('empty body');
  return text;
}

function tooLarge(): CodedError {
  return new PayloadTooLargeError('body too large');
}

/**
 * Reads the request stream up to `maxBytes`. Past the limit it rejects with 413 and lets the rest
 * of the body drain unread, without destroying the request: breaking out of `for await` over the
 * request would destroy its socket, so the 4xx answer could not be sent (and `ctx.ip` throws).
 */
function readLimited(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
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
