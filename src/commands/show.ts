/** `/查看 <编号>` (`/show`): the incident's summary, acknowledgements, deadlines and timeline. */
import type { CommandDef } from '../bot/Bot.js';
import { renderView } from './render.js';
import { target, type CommandDeps } from './shared.js';

const USAGE = '/查看 <编号>';

export function showCommand(deps: CommandDeps, now: () => Date): CommandDef {
  return {
    name: '查看',
    aliases: ['show'],
    usage: USAGE,
    summary: '查看事件详情、时限和台账时间线',
    readOnly: true,
    async run(ctx) {
      const { incident, viewer } = await target(ctx, deps, USAGE);
      await ctx.say(renderView(deps.directory, await deps.incidents.view(viewer, incident.id), now()));
    },
  };
}
