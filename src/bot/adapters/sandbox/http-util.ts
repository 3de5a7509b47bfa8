/**
 * Small HTTP helpers for the sandbox routes: a JSON error boundary (coded errors become
 * `{error, message}` with their status; anything else is logged and answered 500 without details)
 * and a bounded JSON body reader that works with or without a global body parser in front.
 */
import type { Context } from 'koa';
import { BadRequestError, CodedError, PayloadTooLargeError } from '../../../errors.js';
import { readLimited } from '../shared/read-limited.js';
import type { SandboxLogger } from './sandbox-types.js';

/**
 * Runs `fn`; a thrown `CodedError` is answered with its `status` and `{error: code, message}`;
 * a body-parser error carrying a 4xx `status` (e.g. from a global @koa/bodyparser) with
 * `{error: 'BAD_REQUEST', message}`; any other error is logged and answered 500 `{error: 'INTERNAL'}`.
 */
export async function jsonBoundary(ctx: Context, logger: SandboxLogger, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CodedError) {
      ctx.status = err.status;
      ctx.body = { error: err.code, message: err.expose ? err.message : '沙盒内部错误' };
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      ctx.status = status;
      ctx.body = { error: 'BAD_REQUEST', message: '请求格式不正确' };
      return;
    }
    logger.error({ err, path: ctx.path }, 'sandbox route failed');
    ctx.status = 500;
    ctx.body = { error: 'INTERNAL', message: '沙盒内部错误' };
  }
}

/**
 * Reads the request body as a JSON object. Uses `ctx.request.body` when a body parser already
 * consumed the stream; otherwise reads at most `limitBytes` bytes itself.
 * @throws BadRequestError (400) for an empty body, invalid JSON or a non-object;
 *         CodedError BAD_REQUEST with status 413 when the body exceeds `limitBytes`.
 */
export async function readJsonObject(ctx: Context, limitBytes: number): Promise<Record<string, unknown>> {
  const preParsed = (ctx.request as { body?: unknown }).body;
  let value: unknown;
  if (ctx.req.readableEnded && preParsed !== undefined) {
    value = preParsed;
  } else {
    const raw = await readRaw(ctx, limitBytes);
    if (raw.trim().length === 0) throw new BadRequestError('请求体为空，应为 JSON 对象');
    try {
      value = JSON.parse(raw);
    } catch {
      throw new BadRequestError('请求体不是合法的 JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('请求体应为 JSON 对象');
  }
  return value as Record<string, unknown>;
}

/** Reads the raw body as UTF-8, refusing more than `limitBytes` bytes (413). */
async function readRaw(ctx: Context, limitBytes: number): Promise<string> {
  const tooLarge = () => new PayloadTooLargeError(`请求体过大（上限 ${limitBytes} 字节）`, limitBytes);
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limitBytes) throw tooLarge();
  return (await readLimited(ctx.req, limitBytes, tooLarge)).toString('utf8');
}

/**
 * Reads a required non-empty string field of a parsed body.
 * @throws BadRequestError (400) naming the field when it is missing, not a string, or blank.
 */
export function requireString(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v.trim().length === 0) throw new BadRequestError(`缺少字段 ${field}（应为非空字符串）`);
  return v;
}
