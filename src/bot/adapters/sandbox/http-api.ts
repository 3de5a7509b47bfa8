/**
 * The sandbox JSON API (mounted by `SandboxAdapter.routes`). Every handler answers bad input with a
 * 4xx JSON `{error, message}` (Chinese message), never a 500.
 *
 *   GET  /api/sandbox/meta                         {timezone, botName, commandHints, people}
 *   GET  /api/sandbox/chats                        [{id, name, unitName, wecomChatId, dingtalkChatId, members}]
 *   GET  /api/sandbox/chats/:chatId/messages       [SandboxMessage]   (chatId may be a 1:1 id `@<userId>`)
 *   GET  /api/sandbox/chats/:chatId/stream         Server-Sent Events `message` / `update`
 *   POST /api/sandbox/messages {chatId,userId,text} 202 {id}
 *   POST /api/sandbox/cards/:cardId/actions {userId,key,messageId?} 202 {id}
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { BadRequestError } from '../../../errors.js';
import { jsonBoundary, readJsonObject, requireString } from './http-util.js';
import type { SandboxChat, SandboxMember } from './directory.js';
import type { SandboxLogger, SandboxMessage } from './sandbox-types.js';

/** `GET /api/sandbox/meta` body: what the page needs besides the chats. */
export interface SandboxMeta {
  timezone: string;
  botName: string;
  commandHints: string[];
  /** Everyone who can be messaged 1:1; `directChatId` is their 1:1 conversation id. */
  people: Array<{ id: string; name: string; title?: string; directChatId: string }>;
  /** Longest text accepted by `POST /api/sandbox/messages` (characters). */
  maxTextLength: number;
}

/** What the API needs from the adapter. Methods throw `CodedError`s for bad input. */
export interface SandboxApiController {
  meta(): SandboxMeta;
  chats(): SandboxChat[];
  /** Messages of a conversation. @throws NotFoundError for an unknown conversation. */
  messages(conversationId: string): SandboxMessage[];
  /** Stores and hands over a person's message; returns the stored message id. */
  postMessage(conversationId: string, userId: string, text: string): string;
  /** Hands over a card click; returns the event id. */
  clickCard(cardId: string, userId: string, key: string, messageId?: string): string;
  /** Turns the request into an event stream. @throws NotFoundError for an unknown conversation. */
  openStream(ctx: Context, conversationId: string): void;
}

/** Mounts the JSON API on `router`. `bodyLimitBytes` bounds request bodies (413 beyond). */
export function mountSandboxApi(
  router: Router,
  api: SandboxApiController,
  logger: SandboxLogger,
  bodyLimitBytes: number,
): void {
  const json = (handler: (ctx: Context) => Promise<void> | void) => (ctx: Context) =>
    jsonBoundary(ctx, logger, () => handler(ctx));

  router.get(
    '/api/sandbox/meta',
    json((ctx) => {
      ctx.body = api.meta();
    }),
  );
  router.get(
    '/api/sandbox/chats',
    json((ctx) => {
      ctx.body = api.chats().map(publicChat);
    }),
  );
  router.get(
    '/api/sandbox/chats/:chatId/messages',
    json((ctx) => {
      ctx.body = api.messages(param(ctx, 'chatId'));
    }),
  );
  router.get(
    '/api/sandbox/chats/:chatId/stream',
    json((ctx) => {
      api.openStream(ctx, param(ctx, 'chatId'));
    }),
  );
  router.post(
    '/api/sandbox/messages',
    json(async (ctx) => {
      const body = await readJsonObject(ctx, bodyLimitBytes);
      const chatId = requireString(body, 'chatId');
      const userId = requireString(body, 'userId');
      if (typeof body.text !== 'string') throw new BadRequestError('缺少字段 text（应为字符串）');
      const id = api.postMessage(chatId, userId, body.text);
      ctx.status = 202;
      ctx.body = { id };
    }),
  );
  router.post(
    '/api/sandbox/cards/:cardId/actions',
    json(async (ctx) => {
      const body = await readJsonObject(ctx, bodyLimitBytes);
      const messageId = typeof body.messageId === 'string' ? body.messageId : undefined;
      const id = api.clickCard(
        param(ctx, 'cardId'),
        requireString(body, 'userId'),
        requireString(body, 'key'),
        messageId,
      );
      ctx.status = 202;
      ctx.body = { id };
    }),
  );
}

function param(ctx: Context, name: string): string {
  return String((ctx as Context & { params?: Record<string, string> }).params?.[name] ?? '');
}

/** The chat as the API shows it (exactly the contract's fields). */
function publicChat(c: SandboxChat): object {
  return {
    id: c.id,
    name: c.name,
    unitName: c.unitName,
    wecomChatId: c.wecomChatId,
    dingtalkChatId: c.dingtalkChatId,
    members: c.members.map((m: SandboxMember) => ({
      id: m.id,
      name: m.name,
      title: m.title,
      roles: [...m.roles],
      wecomUserId: m.wecomUserId,
      dingtalkUserId: m.dingtalkUserId,
    })),
  };
}
