/**
 * `/值班 <检查情况>` (`/duty`, issue 9 item 4; domain.md "Monitoring and duty"): files the current
 * shift's duty report for this chat's unit. `/值班 无` files a nil report
 * ("未发现新的重大负面舆情"); `平台:微博,抖音` names the platforms checked.
 */
import type { CommandDef } from '../bot/Bot.js';
import { DUTY_USAGE as USAGE } from '../reports/ReportService.js';
import type { CommandDeps } from './shared.js';

export function dutyCommand(deps: CommandDeps, now: () => Date): CommandDef {
  return {
    name: '值班',
    aliases: ['duty'],
    usage: USAGE,
    summary: '提交本班次值班报告（无发现也要报：/值班 无）',
    help: `班次 ${deps.directory.reportSettings().duty.shiftStart} 起 24 小时；可加 平台:微博,抖音。\n示例：/值班 无\n示例：/值班 发现某论坛帖子质疑低保审核，已上报 平台:微博,本地论坛`,
    async run(ctx) {
      const at = now();
      const r = await deps.reports.fileDuty(ctx.actor, ctx.chat?.id ?? null, ctx.args, at);
      const dir = deps.directory;
      const start = dir.reportSettings().duty.shiftStart;
      await ctx.say(
        [
          `值班报告已登记（${dir.unit(r.unitId)?.name ?? r.unitId}）`,
          `班次：${r.shiftDate.slice(5)} ${start} 起 24 小时${r.late ? '（逾期补报，计入已结束的班次）' : ''}`,
          `值班人：${dir.nameOf(r.filedBy)}`,
          `检查平台：${r.platforms.join('、') || '未写明'}`,
          `情况：${r.findings}`,
        ].join('\n'),
      );
    },
  };
}
