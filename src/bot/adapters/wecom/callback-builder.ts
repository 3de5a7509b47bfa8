/**
 * Builds AI-bot callbacks exactly as WeCom sends them [100719, 101027, 101033] — plaintext JSON,
 * encrypted with receiveid "" and signed — and opens the encrypted passive answer. Used by
 * `scripts/wecom-send-test.ts` (a local end-to-end check against a running bot) and by the test
 * simulator `test/fakes/wecom/WeComCallbackClient.ts`.
 */
import { randomBytes } from 'node:crypto';
import { decryptMessage, encryptReply, verifySignature } from './crypto.js';

/** A group (chatId given) or 1:1 text message to the bot. */
export interface TextCallbackInput {
  userId: string;
  text: string;
  chatId?: string;
  msgid?: string;
  aibotid?: string;
  responseUrl?: string;
  /** Unix seconds. */
  createTime?: number;
}

/** A click on a template-card button. */
export interface CardClickInput {
  userId: string;
  taskId: string;
  eventKey: string;
  chatId?: string;
  msgid?: string;
  aibotid?: string;
  responseUrl?: string;
  /** Unix seconds. */
  createTime?: number;
}

/** Query and body of a signed, encrypted POST callback. */
export interface SealedCallback {
  query: { msg_signature: string; timestamp: string; nonce: string };
  body: { encrypt: string };
}

/** A random id in WeCom's style (hex). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

function common(i: {
  userId: string;
  chatId?: string;
  msgid?: string;
  aibotid?: string;
  responseUrl?: string;
  createTime?: number;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    msgid: i.msgid ?? randomId(),
    create_time: i.createTime ?? Math.floor(Date.now() / 1000),
    aibotid: i.aibotid ?? 'aib-send-test',
    chattype: i.chatId ? 'group' : 'single',
    from: { userid: i.userId },
  };
  if (i.chatId) out.chatid = i.chatId;
  if (i.responseUrl) out.response_url = i.responseUrl;
  return out;
}

/** Plaintext of a text message callback (`msgtype: "text"`). Text is sent as given (include "@Bot " yourself). */
export function buildTextCallback(i: TextCallbackInput): Record<string, unknown> {
  return { ...common(i), msgtype: 'text', text: { content: i.text } };
}

/** Plaintext of a `template_card_event` callback (button_interaction), nested as WeCom sends it. */
export function buildCardClickCallback(i: CardClickInput): Record<string, unknown> {
  return {
    ...common(i),
    msgtype: 'event',
    event: {
      eventtype: 'template_card_event',
      template_card_event: {
        card_type: 'button_interaction',
        event_key: i.eventKey,
        task_id: i.taskId,
        selected_items: {},
      },
    },
  };
}

/**
 * Encrypts (receiveid "") and signs a callback plaintext.
 * @param at timestamp (unix seconds) and nonce; defaults: now and a random nonce.
 */
export function sealCallback(
  token: string,
  encodingAESKey: string,
  plaintext: object | string,
  at: { timestamp?: number; nonce?: string } = {},
): SealedCallback {
  const text = typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext);
  const env = encryptReply(
    token,
    encodingAESKey,
    text,
    '',
    at.timestamp ?? Math.floor(Date.now() / 1000),
    at.nonce ?? randomId(8),
  );
  return {
    query: { msg_signature: env.msgsignature, timestamp: String(env.timestamp), nonce: env.nonce },
    body: { encrypt: env.encrypt },
  };
}

/** Query of a URL-verification GET: `echo` encrypted as echostr and signed. */
export function buildUrlVerification(
  token: string,
  encodingAESKey: string,
  echo: string,
  at: { timestamp?: number; nonce?: string } = {},
): SealedCallback['query'] & { echostr: string } {
  const sealed = sealCallback(token, encodingAESKey, echo, at);
  return { ...sealed.query, echostr: sealed.body.encrypt };
}

/** `baseUrl` with the query appended, percent-encoded (so '+', '/', '=' survive). */
export function withQuery(baseUrl: string, query: Record<string, string>): string {
  const u = new URL(baseUrl);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

/** Result of posting a callback: HTTP status, raw body, and the decrypted passive reply if any. */
export interface CallbackResponse {
  status: number;
  rawBody: string;
  /** Decrypted passive reply (parsed JSON), when the body was an encrypted envelope. */
  reply?: unknown;
}

/**
 * Verifies the signature of an encrypted passive answer and decrypts it (receiveid "").
 * Returns undefined for an empty body.
 * @throws SignatureError / BadRequestError if the envelope is forged or malformed; SyntaxError if
 *   the body or plaintext is not JSON.
 */
export function openPassiveReply(token: string, encodingAESKey: string, rawBody: string): unknown {
  if (!rawBody.trim()) return undefined;
  const env = JSON.parse(rawBody) as {
    encrypt: string;
    msgsignature: string;
    timestamp: number | string;
    nonce: string;
  };
  verifySignature(token, String(env.timestamp), env.nonce, env.encrypt, env.msgsignature);
  return JSON.parse(decryptMessage(encodingAESKey, env.encrypt, '')) as unknown;
}

/**
 * POSTs a sealed callback to the bot and opens the answer. Non-2xx answers are returned as they
 * are (their body is the bot's `{error, message}` JSON), without decrypting.
 */
export async function postCallback(
  botUrl: string,
  sealed: SealedCallback,
  token: string,
  encodingAESKey: string,
): Promise<CallbackResponse> {
  const res = await fetch(withQuery(botUrl, sealed.query), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sealed.body),
  });
  const rawBody = await res.text();
  if (res.status < 200 || res.status >= 300) return { status: res.status, rawBody };
  return { status: res.status, rawBody, reply: openPassiveReply(token, encodingAESKey, rawBody) };
}
