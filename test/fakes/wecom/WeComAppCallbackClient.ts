/**
 * Simulates WeCom's side of the self-built app's callbacks [90930, 91144]: builds the decrypted
 * XML (text messages, template_card_event clicks), encrypts it for the CorpID, wraps it in
 * `<xml><ToUserName/><AgentID/><Encrypt/></xml>`, signs the query and posts it over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { computeSignature, encryptReply } from '../../../src/bot/adapters/wecom/crypto.js';

/** Options: the app's secrets, CorpID / AgentID and the callback URL. */
export interface WeComAppCallbackClientOptions {
  token: string;
  encodingAESKey: string;
  corpId: string;
  agentId: number;
  url: string;
  now?: () => number;
}

/** The bot's answer. */
export interface AppExchange {
  status: number;
  body: string;
}

export class WeComAppCallbackClient {
  constructor(private readonly opts: WeComAppCallbackClientOptions) {}

  private nowSec(): number {
    return Math.floor((this.opts.now ?? Date.now)() / 1000);
  }

  /** A text message from `userId`; `msgId` defaults to a fresh 19-digit id (kept as text). */
  text(userId: string, content: string, msgId = randomDigits(19)): Promise<AppExchange> {
    return this.post(
      xml({
        ToUserName: this.opts.corpId,
        FromUserName: userId,
        CreateTime: String(this.nowSec()),
        MsgType: 'text',
        Content: content,
        MsgId: msgId,
        AgentID: String(this.opts.agentId),
      }),
    );
  }

  /** A click on a template card button [90240]. */
  click(userId: string, taskId: string, eventKey: string, responseCode: string): Promise<AppExchange> {
    return this.post(
      xml({
        ToUserName: this.opts.corpId,
        FromUserName: userId,
        CreateTime: String(this.nowSec()),
        MsgType: 'event',
        Event: 'template_card_event',
        TaskId: taskId,
        CardType: 'button_interaction',
        ResponseCode: responseCode,
        EventKey: eventKey,
        AgentID: String(this.opts.agentId),
      }),
    );
  }

  /** Posts `plainXml` encrypted for `receiveId` (default the CorpID). */
  async post(plainXml: string, receiveId = this.opts.corpId): Promise<AppExchange> {
    const ts = this.nowSec();
    const nonce = randomBytes(8).toString('hex');
    const env = encryptReply(this.opts.token, this.opts.encodingAESKey, plainXml, receiveId, ts, nonce);
    const body = `<xml><ToUserName><![CDATA[${this.opts.corpId}]]></ToUserName><AgentID><![CDATA[${this.opts.agentId}]]></AgentID><Encrypt><![CDATA[${env.encrypt}]]></Encrypt></xml>`;
    const q = new URLSearchParams({ msg_signature: env.msgsignature, timestamp: String(ts), nonce });
    const res = await fetch(`${this.opts.url}?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  /** The URL check: GET with a signed, encrypted echostr; answers the bot's body. */
  async verifyUrl(echo: string, receiveId = this.opts.corpId): Promise<AppExchange> {
    const ts = this.nowSec();
    const nonce = randomBytes(8).toString('hex');
    const env = encryptReply(this.opts.token, this.opts.encodingAESKey, echo, receiveId, ts, nonce);
    const q = new URLSearchParams({
      msg_signature: computeSignature(this.opts.token, ts, nonce, env.encrypt),
      timestamp: String(ts),
      nonce,
      echostr: env.encrypt,
    });
    const res = await fetch(`${this.opts.url}?${q}`);
    return { status: res.status, body: await res.text() };
  }
}

/** `<xml>` with each field as CDATA. */
export function xml(fields: Record<string, string>): string {
  return `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
}

function randomDigits(n: number): string {
  let s = String(1 + Math.floor(Math.random() * 9));
  while (s.length < n) s += String(Math.floor(Math.random() * 10));
  return s;
}
