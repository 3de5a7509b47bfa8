/**
 * `/反馈 <编号> <内容>` (`/feedback`): records feedback received (a complaint, a question from the
 * public or the upper authority). It starts the feedback clock: the written answer is due within
 * the configured statutory working days (000 L8: 5), holidays skipped and make-up days (调休) counted.
 */
import type { CommandDef } from '../bot/Bot.js';
import { requireText, target, type CommandDeps } from './shared.js';

const USAGE = '/反馈 <编号> <反馈内容>';

export function feedbackCommand(deps: CommandDeps): CommandDef {
  return {
    name: '反馈',
    aliases: ['feedback'],
    usage: USAGE,
    summary: '登记收到的反馈（诉求、质询），开始书面答复时限（按法定工作日计算）',
    help: '示例：/反馈 YQ-20261129-001 发帖人来电询问处理结果',
    async run(ctx) {
      const { incident, rest, viewer } = await target(ctx, deps, USAGE);
      await deps.milestones.recordFeedback(ctx.actor, incident.id, requireText(rest, '反馈内容', USAGE));
      const answer = (await deps.incidents.view(viewer, incident.id)).milestones.find(
        (m) => m.key === 'feedback_answer' && m.state === 'open',
      );
      await ctx.say(
        `已登记 ${incident.id} 的反馈。${answer ? `「${answer.name}」须于 ${deps.directory.formatShort(answer.dueAt)} 前完成，完成后发送 /完成 ${incident.id} ${answer.name}。` : ''}`,
      );
    },
  };
}
