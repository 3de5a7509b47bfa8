/**
 * `npm run drill` (应急演练): starts the bot on a throwaway embedded PostgreSQL with every duration
 * compressed by TIME_SCALE (default 0.0005: one hour passes in 1.8 s), plays a realistic incident
 * through the sandbox — report, silence, reminders, breach, escalation up the ladder, a
 * acknowledgement, a level raise, progress, publication, closing — then prints the chat transcript
 * (in simulated elapsed time) and the incident's ledger, and removes the database.
 *
 * Options: `--scale 0.001` (or env TIME_SCALE), `--keep` keeps the data directory for inspection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startApp, type RunningApp } from '../src/app.js';
import type { SandboxMessage } from '../src/bot/adapters/sandbox/index.js';
import { renderView } from '../src/commands/render.js';
import { loadOrgConfig } from '../src/config/load.js';
import { loadSettings } from '../src/config/settings.js';

const args = process.argv.slice(2);
const scaleArg = args.indexOf('--scale');
const scale = Number(scaleArg >= 0 ? args[scaleArg + 1] : (process.env.TIME_SCALE ?? '0.0005'));
const keep = args.includes('--keep');
if (!(scale > 0 && scale <= 1)) {
  process.stderr.write('TIME_SCALE / --scale 必须在 (0, 1] 之间，例如 0.0005\n');
  process.exit(2);
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yq-drill-'));
let t0 = Date.now();
/** Simulated elapsed time since the start of the drill: `T+01:05`. */
function elapsed(atIso: string): string {
  const min = Math.round((Date.parse(atIso) - t0) / scale / 60_000);
  return `T+${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

async function main(): Promise<void> {
  const settings = loadSettings({
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    SANDBOX: 'on',
    TIME_SCALE: String(scale),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const config = loadOrgConfig(settings.CONFIG_FILE);
  const app = await startApp({ settings, config, logger: pino({ level: settings.LOG_LEVEL }), host: '127.0.0.1' });
  const stop = async () => {
    await app.stop();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void stop().then(() => process.exit(130));
  });
  try {
    await play(app);
  } finally {
    await stop();
  }
  if (keep) process.stdout.write(`\n数据保留在 ${dataDir}\n`);
  // Agenda leaves a liveness timer (lockLifetime / 2) behind each job run; everything of ours is stopped.
  process.exit(0);
}

async function play(app: RunningApp): Promise<void> {
  const sb = app.sandbox!;
  const say = async (chat: string, who: string, text: string) => {
    sb.postMessage(chat, who, text);
    await sb.idle();
  };
  const waitFor = (chat: string, includes: string, timeoutSimMin: number) =>
    sb.waitForMessage(
      chat,
      (m) => m.from === 'bot' && m.text.includes(includes),
      Math.max(2000, timeoutSimMin * 60_000 * scale * 3),
    );
  const step = (s: string) => process.stdout.write(`… ${s}\n`);

  t0 = Date.now();
  step('陈静（监测员）在社会救助股工作群上报舆情');
  await say(
    'relief',
    'chenjing',
    '/上报 某论坛出现“低保审核不公、优亲厚友”的帖子，两小时内转发300余次 https://bbs.example.cn/t/8848 三级',
  );
  const id = (await waitFor('relief', '【舆情上报】', 1)).text.match(/YQ-\d{8}-\d{3}/)![0];
  step(`${id} 已开启；无人签收，等待提醒、超时与升级……`);
  await waitFor('relief', '【提醒】', 20);
  await waitFor('relief', '【超时】', 20);
  await waitFor('relief', '【逾期升级·第 2 级】', 40);
  step('直接责任人吴芳签收');
  await say('relief', 'wufang', `/签收 ${id}`);
  await waitFor('leaders', '【逾期升级', 120);
  step('第一责任人刘洋签收（升级已至领导小组）');
  await say('relief', 'liuyang', `/签收 ${id}`);
  step('直接责任人研判后升为二级，时限按新级别重算');
  await say('relief', 'wufang', `/定级 ${id} 二级`);
  await say('relief', 'chenjing', `/完成 ${id} 报告领导小组 已电话报告李华副局长`);
  await say('relief', 'wufang', `/进展 ${id} 已联系发帖人核实，系对审核流程有误解`);
  step('新闻发言人拟稿送审；二级事件由局长审批，并由办公室登记上级外部确认');
  await say(
    'relief',
    'zhangmin',
    `/拟稿 ${id} 关于网民反映低保审核问题的情况说明：经核查，系对审核流程有误解，已当面解释。`,
  );
  await say('relief', 'wangjg', `/通过 ${id}`);
  await say('relief', 'chenjing', `/外部确认 ${id} 县委网信办 同意按此口径发布`);
  await say('relief', 'zhangmin', `/发布 ${id} https://bbs.example.cn/t/123#official 已在论坛发布情况说明`);
  await say('relief', 'wufang', `/办结 ${id} 已澄清事实，发帖人删帖致歉，舆情平息`);
  await sb.idle();

  process.stdout.write('\n==================== 聊天记录（演练时间） ====================\n');
  const names = new Map(app.directory.allPeople().map((p) => [p.id, p.name]));
  for (const chat of app.directory.allChats()) {
    const msgs: SandboxMessage[] = sb.messages(chat.id);
    if (!msgs.length) continue;
    process.stdout.write(`\n—— ${chat.name} ——\n`);
    for (const m of msgs) {
      const who = m.from === 'bot' ? `🤖${app.directory.botName}` : (names.get(m.from) ?? m.from);
      const card = m.card
        ? `\n    [卡片] ${m.card.title}${m.card.buttons.length ? `（按钮：${m.card.buttons.map((b) => b.text).join('、')}）` : ''}`
        : '';
      process.stdout.write(`[${elapsed(m.at)}] ${who}：${m.text.replace(/\n/g, '\n    ')}${card}\n`);
    }
  }
  for (const p of app.directory.allPeople()) {
    const direct = sb.messages(`@${p.id}`);
    if (direct.length)
      process.stdout.write(
        `\n—— 私信 ${p.name}：${direct.length} 条（${direct
          .map((m) => m.text.split('\n')[0])
          .slice(0, 2)
          .join('；')}…）\n`,
      );
  }
  process.stdout.write('\n==================== 台账 ====================\n');
  process.stdout.write(`${renderView(app.directory, await app.incidents.view({ kind: 'system' }, id), new Date())}\n`);
}

main().catch((err) => {
  process.stderr.write(`演练失败 drill failed: ${(err as Error)?.stack ?? String(err)}\n`);
  rmSync(dataDir, { recursive: true, force: true });
  process.exitCode = 1;
});
