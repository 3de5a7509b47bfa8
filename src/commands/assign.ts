/** `/指派 <编号> @某人 [角色]` (`/assign`): assigns a person, who is @-mentioned and must acknowledge. */
import type { CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { target, type CommandDeps } from './shared.js';

const USAGE = '/指派 <编号> @某人 [角色]';

export function assignCommand(deps: CommandDeps): CommandDef {
  return {
    name: '指派',
    aliases: ['assign'],
    usage: USAGE,
    summary: '指派承办人（被指派人需签收）',
    help: '示例：/指派 YQ-20261129-001 @周强 核实情况',
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, USAGE);
      const who = restTokens[0];
      if (!who) throw new UsageError('请 @ 要指派的人。', USAGE);
      const person = deps.directory.findPerson(who);
      if (!person) throw new UsageError(`找不到人员：${who.replace(/^[@＠]/, '')}。请使用通讯录中的姓名。`, USAGE);
      const role = restTokens.slice(1).join(' ').trim() || '承办人';
      if ([...role].length > 20)
        throw new UsageError(`角色名称请控制在 20 字以内（收到 ${[...role].length} 字）。`, USAGE);
      const r = await deps.incidents.assign(ctx.actor, incident.id, person.id, role);
      if (!r.fresh) {
        await ctx.say(`${person.name} 已是 ${incident.id} 的“${r.role}”，无需重复指派。`);
        return;
      }
      await ctx.say(
        r.acknowledged
          ? {
              text: `${incident.id} 已指派 @{${person.id}} 为“${role}”（已签收过本事件，无需再签收）。`,
              mentions: [person.id],
            }
          : {
              text: `${incident.id} 已指派 @{${person.id}} 为“${role}”，请签收：/签收 ${incident.id}`,
              mentions: [person.id],
            },
      );
    },
  };
}
