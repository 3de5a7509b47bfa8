/**
 * `/定性 <编号> <事项> <轻微|重大> [说明]` (`/grade`): grades a recorded breach (000 L2: concealment,
 * deceit or a serious result make it 重大违约). Privileged: config `permissions.gradeBreach`.
 */
import type { CommandDef } from '../bot/Bot.js';
import { UsageError } from '../errors.js';
import { optionalText, target, type CommandDeps } from './shared.js';

const USAGE = '/定性 <编号> <事项> <轻微|重大> [说明]';
const GRADES: Record<string, 'minor' | 'major'> = {
  轻微: 'minor',
  轻微违约: 'minor',
  minor: 'minor',
  重大: 'major',
  重大违约: 'major',
  major: 'major',
};

export function gradeCommand(deps: CommandDeps): CommandDef {
  return {
    name: '定性',
    aliases: ['grade'],
    usage: USAGE,
    summary: '违约定性：超时默认记为轻微违约，瞒报、造成严重后果的改为重大违约',
    help: '示例：/定性 YQ-20261129-001 报告领导小组 重大 迟报且造成舆情扩散',
    async run(ctx) {
      const { incident, restTokens } = await target(ctx, deps, USAGE);
      const [what, gradeWord, ...note] = restTokens;
      if (!what || !gradeWord) throw new UsageError('请写明事项和定性（轻微或重大）。', USAGE);
      const grade = GRADES[gradeWord.toLowerCase()];
      if (!grade) throw new UsageError(`定性只能是“轻微”或“重大”，收到：${gradeWord}`, USAGE);
      const { milestone } = await deps.milestones.gradeBreach(
        ctx.actor,
        incident.id,
        what,
        grade,
        optionalText(note.join(' '), '说明', USAGE),
      );
      await ctx.say(
        `${incident.id}「${milestone}」的违约已定性为${grade === 'major' ? '重大违约' : '轻微违约'}，已记入台账。`,
      );
    },
  };
}
