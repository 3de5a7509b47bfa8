/**
 * Reads a callback's JSON body whether or not a body parser ran before the route: uses
 * `ctx.request.rawBody` (set by @koa/bodyparser) or a parsed object if present, else reads the
 * request stream itself (limit `maxBytes`).
 */
import type { Context } from 'koa';
import { BadRequestError } from '../../../errors.js';

/** Default body limit: callbacks are small (one encrypted JSON field). */
export const MAX_CALLBACK_BODY_BYTES = 1024 * 1024;

/**
 * Returns the parsed JSON body.
 * @throws BadRequestError for an empty, oversized or non-JSON body.
 */
export async function readJsonBody(ctx: Context, maxBytes = MAX_CALLBACK_BODY_BYTES): Promise<unknown> {
  const req = ctx.request as unknown as { body?: unknown; rawBody?: unknown };
  let text: string;
  if (typeof req.rawBody === 'string') {
    text = req.rawBody;
  } else if (req.body !== undefined && req.body !== null && typeof req.body === 'object' && Object.keys(req.body).length > 0) {
    return req.body;
  } else if (ctx.req.readableEnded) {
    throw new BadRequestError('empty body');
  } else {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += b.length;
      if (size > maxBytes) throw new BadRequestError('body too large');
      chunks.push(b);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  if (!text.trim()) throw new BadRequestError('empty body');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}
