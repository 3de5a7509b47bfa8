/**
 * `/定级 <编号> <级别>` (`/level`): confirm, raise or lower the level — a privileged action
 * (config `permissions.setLevel`; domain.md "Who sets the level").
 */
import type { CommandDef } from '../bot/Bot.js';
import { parseIncidentRef } from '../bot/parser.js';
import { UsageError } from '../errors.js';
import { target, type CommandDeps } from './shared.js';

const USAGE = '/定级 <编号> <级别>';

export function levelCommand(deps: CommandDeps): CommandDef {
  const levels = () =>
    deps.directory
      .levels()
      .map((l) => `${l.name}（${l.id}）`)
      .join('、');
  return {
    name: '定级',
    aliases: ['level'],
    usage: USAGE,
    summary: '确认或调整事件级别（升级会按新级别重算时限并扩大通知范围）',
    help: `可用级别（由高到低）：${levels()}\n示例：/定级 YQ-20261129-001 二级`,
    async run(ctx) {
      // `/定级 001`: a lone number that is no level was meant as the incident; the level is missing
      const [only] = ctx.tokens;
      if (ctx.tokens.length === 1 && !deps.directory.findLevel(only) && parseIncidentRef(only))
        throw new UsageError(`请在编号 ${only} 后写明级别。可用级别：${levels()}`, USAGE);
      const { incident, restTokens } = await target(ctx, deps, USAGE, undefined, { shortIdNeedsRest: true });
      const want = restTokens.join('');
      if (!want) throw new UsageError(`请写明级别。可用级别：${levels()}`, USAGE);
      const level = deps.directory.findLevel(want);
      if (!level) throw new UsageError(`未知的级别：${want}。可用级别：${levels()}`, USAGE);
      const { notice } = await deps.incidents.setLevel(ctx.actor, incident.id, level.id);
      // The service queued the notice for the incident's chat (this command's reply when sent
      // from there); from another chat the sender sees it here too.
      if (ctx.chat?.id !== notice.chatId) await ctx.say(notice);
    },
  };
}
