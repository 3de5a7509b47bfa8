/**
 * The load generator of bench (f), run in its own Node process (bench/open.bench.ts forks the
 * esbuild bundle of this file) so that the client's CPU — building and sealing callbacks, POSTing
 * them, verifying and decrypting the encrypted replies, timing — does not sit on the event loop of
 * the servers it measures (the bot and the bare Koa route stay in the bench process).
 *
 * Protocol (IPC, `process.send`): the parent sends one `OpenClientRun` per batch; the child answers
 * each with an `OpenClientResult` carrying the same `id` (latencies in ms, index order; wall time in
 * ms) or the batch's first error as `error`. The child exits when the IPC channel closes.
 */
import { buildTextCallback, postCallback, sealCallback } from '../src/bot/adapters/wecom/callback-builder.js';
import { runPool } from './lib/stats.js';

/** One batch of `/上报` callbacks: callback `i` goes to `chats[i % chats.length]` with text `${text} ${tag}-${i}`. */
export interface OpenClientRun {
  id: number;
  /** The callback URL (the bot's `/callbacks/wecom/aibot` or the bare route). */
  url: string;
  token: string;
  aesKey: string;
  userId: string;
  /** The bot's name, @-mentioned before the text. */
  botName: string;
  /** WeCom chat ids the callbacks are spread over. */
  chats: string[];
  /** The report's text before its tag. */
  text: string;
  /** Tag of the batch; the decrypted reply must contain `${tag}-${i}`. */
  tag: string;
  total: number;
  concurrency: number;
}

/** The child's answer to one `OpenClientRun`. */
export interface OpenClientResult {
  id: number;
  latencies?: number[];
  wallMs?: number;
  error?: string;
}

async function run(r: OpenClientRun): Promise<OpenClientResult> {
  const one = async (i: number): Promise<void> => {
    const expect = `${r.tag}-${i}`;
    const plaintext = buildTextCallback({
      userId: r.userId,
      chatId: r.chats[i % r.chats.length],
      text: `@${r.botName} ${r.text} ${expect}`,
    });
    const res = await postCallback(r.url, sealCallback(r.token, r.aesKey, plaintext), r.token, r.aesKey);
    if (res.status !== 200) throw new Error(`callback answered ${res.status}: ${res.rawBody.slice(0, 200)}`);
    if (!JSON.stringify(res.reply ?? '').includes(expect))
      throw new Error(`reply lacks "${expect}": ${res.rawBody.slice(0, 200)}`);
  };
  try {
    const { latencies, wallMs } = await runPool(r.total, r.concurrency, one);
    return { id: r.id, latencies, wallMs };
  } catch (err) {
    return { id: r.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

if (!process.send) throw new Error('bench/open-client runs as a forked child with an IPC channel');
process.on('message', (m: OpenClientRun) => {
  void run(m).then((res) => process.send!(res));
});
process.on('disconnect', () => process.exit(0));
