/**
 * The self-built app's side of the fake WeCom (issue 12 item 6), served by `FakeWeComServer`:
 * - `GET /cgi-bin/gettoken?corpid&corpsecret` [91039]: wrong corp → 40013, wrong secret → 40001;
 *   tokens live `tokenTtlMs` (default 7200 s) by the fake's clock; `revokeTokens()` invalidates all.
 * - `POST /cgi-bin/message/send?access_token` [90236]: no token → 41001, unknown → 40014, expired →
 *   42001; agentid must match (40056); touser required; text content 1..2048 bytes (44004 / 45002);
 *   template_card: button_interaction with main_title.title, task_id [0-9A-Za-z_-@] <= 128 bytes
 *   and unique per app (42014), 1..6 buttons with keys <= 1024 bytes (42017); unknown users are
 *   `invaliduser` (all unknown: 81013). Per member: 30 a minute and 1000 an hour, the excess
 *   dropped SILENTLY (errcode 0, recorded `dropped`) as WeCom does (wecom.md §8.4). A card send
 *   answers a `response_code`.
 * - `POST /cgi-bin/message/update_template_card` [94888]: token as above; response_code issued
 *   by this fake (by a card send or `clickCode`), single use, valid 72 h (else `FAKE_ERR_CODE_SPENT`);
 *   userids or atall required; a template_card or button.replace_name required.
 * `failNext(api, errcode)` injects an errcode (e.g. 60020 caller IP not trusted).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** The fake's errcode for a spent / expired / unknown response_code (not in our brief). */
export const FAKE_ERR_CODE_SPENT = 40098;
const CODE_TTL_MS = 72 * 3600_000;
const TASK_ID_RE = /^[0-9A-Za-z_\-@]{1,128}$/;

/** One app API request and how the fake answered. */
export interface AppRecord {
  api: 'gettoken' | 'message/send' | 'message/update_template_card';
  body: unknown;
  query: Record<string, string>;
  errcode: number;
  errmsg: string;
  /** message/send: per recipient, whether WeCom silently dropped it (over 30/min or 1000/h). */
  delivered?: string[];
  dropped?: string[];
  response_code?: string;
  at: number;
}

/** Options: corp, secret, agent and users the fake knows. */
export interface FakeAppOptions {
  corpId: string;
  secret: string;
  agentId: number;
  users: string[];
  tokenTtlMs?: number;
  perMinute?: number;
  perHour?: number;
  /** Length of the fake's "minute" and "hour", ms (tests shorten them; default 60 s / 3600 s). */
  minuteMs?: number;
  hourMs?: number;
}

type Body = Record<string, unknown>;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export class FakeWeComAppApi {
  readonly received: AppRecord[] = [];
  private opts?: FakeAppOptions;
  private readonly tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  private readonly codes = new Map<string, { issuedAt: number; used: boolean; userId?: string }>();
  private readonly taskIds = new Set<string>();
  private readonly sends = new Map<string, number[]>();
  private readonly injected = new Map<string, { errcode: number; times: number }>();

  constructor(
    private readonly now: () => number,
    private readonly onRecord: (r: AppRecord) => void,
  ) {}

  /** Turns the app endpoints on for this corp / app. */
  configure(opts: FakeAppOptions): void {
    this.opts = opts;
  }

  /** Every token issued so far is rejected from now on (40014), as after a secret reset. */
  revokeTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  /** Makes the next `times` calls of `api` answer `errcode`. */
  failNext(api: AppRecord['api'], errcode: number, times = 1): void {
    this.injected.set(api, { errcode, times });
  }

  /** A fresh response_code as a click on a card carries it (for simulated template_card_event callbacks). */
  clickCode(userId: string): string {
    const code = `click-${randomBytes(10).toString('hex')}`;
    this.codes.set(code, { issuedAt: this.now(), used: false, userId });
    return code;
  }

  /** Messages WeCom delivered to `userId` (sends not dropped), in order. */
  deliveredTo(userId: string): AppRecord[] {
    return this.received.filter((r) => r.api === 'message/send' && r.delivered?.includes(userId));
  }

  /** True when this request is for the app endpoints. */
  handles(pathname: string): boolean {
    return (
      !!this.opts &&
      ['/cgi-bin/gettoken', '/cgi-bin/message/send', '/cgi-bin/message/update_template_card'].includes(pathname)
    );
  }

  handle(pathname: string, query: URLSearchParams, body: unknown, res: ServerResponse): void {
    const api = pathname.slice('/cgi-bin/'.length) as AppRecord['api'];
    const q = Object.fromEntries(query);
    const rec: AppRecord = { api, body, query: q, errcode: 0, errmsg: 'ok', at: this.now() };
    const out: Record<string, unknown> = {};
    const inj = this.injected.get(api);
    if (inj && inj.times > 0) {
      inj.times -= 1;
      [rec.errcode, rec.errmsg] = [inj.errcode, 'injected failure'];
    } else if (api === 'gettoken') this.gettoken(q, rec, out);
    else {
      [rec.errcode, rec.errmsg] = this.checkToken(q.access_token);
      if (rec.errcode === 0 && api === 'message/send') this.send(body as Body, rec, out);
      else if (rec.errcode === 0) this.update(body as Body, rec);
    }
    this.received.push(rec);
    this.onRecord(rec);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ errcode: rec.errcode, errmsg: rec.errmsg, ...out }));
  }

  private gettoken(q: Record<string, string>, rec: AppRecord, out: Record<string, unknown>): void {
    const o = this.opts!;
    if (q.corpid !== o.corpId) [rec.errcode, rec.errmsg] = [40013, 'invalid corpid'];
    else if (q.corpsecret !== o.secret) [rec.errcode, rec.errmsg] = [40001, 'invalid credential'];
    else {
      const token = `tok-${randomBytes(12).toString('hex')}`;
      const ttl = o.tokenTtlMs ?? 7200_000;
      this.tokens.set(token, { expiresAt: this.now() + ttl, revoked: false });
      Object.assign(out, { access_token: token, expires_in: Math.floor(ttl / 1000) });
    }
  }

  private checkToken(token: string | undefined): [number, string] {
    if (!token) return [41001, 'access_token missing'];
    const t = this.tokens.get(token);
    if (!t || t.revoked) return [40014, 'invalid access_token'];
    if (this.now() >= t.expiresAt) return [42001, 'access_token expired'];
    return [0, 'ok'];
  }

  private send(b: Body, rec: AppRecord, out: Record<string, unknown>): void {
    const [code, msg] = this.validateSend(b);
    [rec.errcode, rec.errmsg] = [code, msg];
    if (code !== 0) return;
    const users = String(b.touser).split('|');
    const valid = users.filter((u) => this.opts!.users.includes(u));
    const invalid = users.filter((u) => !this.opts!.users.includes(u));
    if (!valid.length) {
      [rec.errcode, rec.errmsg] = [81013, 'user & party & tag all invalid'];
      return;
    }
    rec.delivered = [];
    rec.dropped = [];
    const at = this.now();
    const [minute, hour] = [this.opts!.minuteMs ?? 60_000, this.opts!.hourMs ?? 3600_000];
    for (const u of valid) {
      const recent = (this.sends.get(u) ?? []).filter((t) => at - t < Math.max(minute, hour));
      const lastMinute = recent.filter((t) => at - t < minute).length;
      const lastHour = recent.filter((t) => at - t < hour).length;
      if (lastMinute >= (this.opts!.perMinute ?? 30) || lastHour >= (this.opts!.perHour ?? 1000)) rec.dropped.push(u);
      else {
        rec.delivered.push(u);
        recent.push(at);
      }
      this.sends.set(u, recent);
    }
    out.msgid = randomBytes(16).toString('hex');
    if (invalid.length) out.invaliduser = invalid.join('|');
    if (b.msgtype === 'template_card') {
      const code = `send-${randomBytes(10).toString('hex')}`;
      this.codes.set(code, { issuedAt: at, used: false });
      this.taskIds.add(String((b.template_card as Body).task_id));
      rec.response_code = code;
      out.response_code = code;
    }
  }

  private validateSend(b: Body): [number, string] {
    if (!b || typeof b !== 'object') return [44004, 'empty body'];
    if (Number(b.agentid) !== this.opts!.agentId) return [40056, 'invalid agentid'];
    if (typeof b.touser !== 'string' || !b.touser) return [40031, 'touser missing'];
    if (b.msgtype === 'text') {
      const content = (b.text as Body | undefined)?.content;
      if (typeof content !== 'string' || !content.trim()) return [44004, 'empty content'];
      if (bytes(content) > 2048) return [45002, 'content size out of limit'];
      return [0, 'ok'];
    }
    if (b.msgtype === 'markdown') {
      const content = (b.markdown as Body | undefined)?.content;
      if (typeof content !== 'string' || !content.trim()) return [44004, 'empty content'];
      if (bytes(content) > 2048) return [45002, 'content size out of limit'];
      return [0, 'ok'];
    }
    if (b.msgtype === 'template_card') return this.validateCard(b.template_card as Body | undefined, true);
    return [40008, 'invalid message type'];
  }

  private validateCard(c: Body | undefined, fresh: boolean): [number, string] {
    if (c?.card_type !== 'button_interaction') return [42045, 'only button_interaction is checked here'];
    const title = (c.main_title as Body | undefined)?.title;
    if (typeof title !== 'string' || !title) return [44004, 'main_title.title missing'];
    const taskId = c.task_id;
    if (typeof taskId !== 'string' || !TASK_ID_RE.test(taskId)) return [42014, 'invalid task_id'];
    if (fresh && this.taskIds.has(taskId)) return [42014, 'task_id already used'];
    const buttons = c.button_list;
    if (!Array.isArray(buttons) || buttons.length > 6) return [42045, 'button_list must have at most 6 buttons'];
    if (fresh && buttons.length === 0) return [42045, 'button_list empty'];
    if (!buttons.length && typeof c.replace_text !== 'string') return [42045, 'no buttons and no replace_text'];
    for (const btn of buttons as Body[]) {
      if (typeof btn.key !== 'string' || !btn.key || bytes(btn.key) > 1024) return [42017, 'invalid button key'];
      if (typeof btn.text !== 'string' || !btn.text) return [44004, 'button text missing'];
    }
    if (Array.isArray(c.horizontal_content_list) && c.horizontal_content_list.length > 6)
      return [45002, 'horizontal_content_list over 6'];
    return [0, 'ok'];
  }

  private update(b: Body, rec: AppRecord): void {
    const set = (e: [number, string]) => ([rec.errcode, rec.errmsg] = e);
    if (Number(b?.agentid) !== this.opts!.agentId) return void set([40056, 'invalid agentid']);
    const users = b.userids;
    if (!(Array.isArray(users) && users.length) && b.atall !== 1) return void set([40031, 'userids missing']);
    const code = this.codes.get(String(b.response_code ?? ''));
    if (!code) return void set([FAKE_ERR_CODE_SPENT, 'invalid response_code']);
    if (code.used) return void set([FAKE_ERR_CODE_SPENT, 'response_code already used']);
    if (this.now() - code.issuedAt > CODE_TTL_MS) return void set([FAKE_ERR_CODE_SPENT, 'response_code expired']);
    if (b.template_card) {
      const e = this.validateCard(b.template_card as Body, false);
      if (e[0] !== 0) return void set(e);
    } else if (typeof (b.button as Body | undefined)?.replace_name !== 'string')
      return void set([44004, 'template_card or button.replace_name required']);
    code.used = true;
  }
}
