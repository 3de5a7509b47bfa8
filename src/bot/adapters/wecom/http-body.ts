/**
 * Reads a callback's JSON body whether or not a body parser ran before the route: uses
 * `ctx.request.rawBody` (set by @koa/bodyparser) or a parsed object if present, else reads the
 * request stream itself (limit `maxBytes`).
 */
import type { Context } from 'koa';
import { BadRequestError, type CodedError, PayloadTooLargeError } from '../../../errors.js';
import { readLimited } from '../shared/read-limited.js';

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
    text = (await readLimited(ctx.req, maxBytes, tooLarge)).toString('utf8');
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
    text = (await readLimited(ctx.req, maxBytes, tooLarge)).toString('utf8');
  }
  if (!text.trim()) throw new BadRequestError('empty body');
  return text;
}

function tooLarge(): CodedError {
  return new PayloadTooLargeError('body too large');
}
