/**
 * `/签收 [编号]` (`/ack`) and the 签收 card button (issue 3): the unit's first- and
 * direct-responsible people (and assignees) each acknowledge; anyone else changes nothing and is told so.
 */
import type { ActionHandler, CommandContext, CommandDef } from '../bot/Bot.js';
import type { AckResult } from '../domain/IncidentService.js';
import { ackCardId } from '../domain/messages.js';
import { NotFoundError } from '../errors.js';
import { target, type CommandDeps } from './shared.js';

const USAGE = '/签收 [编号]';

/** The Chinese reply for an acknowledgement outcome. */
export function ackReply(r: AckResult, actorName: string): string {
  const id = r.incident.id;
  if (r.outcome === 'not_responsible')
    return `${actorName}，您不是 ${id} 的责任人，签收无效。需由第一责任人、直接责任人或被指派人签收。`;
  if (r.outcome === 'already') return `${actorName}，您已签收过 ${id}。`;
  return `${actorName} 已签收 ${id}${r.allAcknowledged ? '，责任人已全部签收。' : '。'}`;
}

async function acknowledge(
  ctx: Pick<CommandContext, 'actor' | 'say' | 'refreshCard'>,
  deps: CommandDeps,
  incidentId: string,
  update?: ActionContextUpdate,
): Promise<void> {
  const r = await deps.incidents.acknowledge(ctx.actor, incidentId);
  if (r.outcome === 'acknowledged' && r.card) {
    if (update) await update(r.card);
    else await ctx.refreshCard(r.card);
  }
  await ctx.say(ackReply(r, ctx.actor.name));
}

type ActionContextUpdate = Parameters<ActionHandler>[0]['updateCard'];

/** The `/签收` command; without an id it picks the one incident in this chat awaiting the sender. */
export function ackCommand(deps: CommandDeps): CommandDef {
  return {
    name: '签收',
    aliases: ['ack'],
    usage: USAGE,
    summary: '责任人签收事件（也可点击卡片上的“签收”按钮）',
    help: '示例：/签收 YQ-20261129-001',
    async run(ctx) {
      const { incident } = await target(ctx, deps, USAGE, (i) => deps.incidents.awaitsAckFrom(i, ctx.actor.personId), {
        pickInDirect: true,
      }).catch((e: unknown) => {
        // without an id: say why nothing fits (a bystander was told "no incident" although there is one)
        if (e instanceof NotFoundError && !ctx.tokens.length)
          throw new NotFoundError(
            `${ctx.actor.name}，${ctx.chat ? '本群' : ''}没有等待您签收的事件。签收由事件的第一责任人、直接责任人或被指派人进行；${ctx.chat ? '本群' : '您可查看的'}事件：/列表`,
          );
        throw e;
      });
      await acknowledge(ctx, deps, incident.id);
    },
  };
}

/** Handles clicks on `ack:<incidentId>` buttons; the clicked card is updated in place. */
export function ackAction(deps: CommandDeps): ActionHandler {
  return async (ctx) => {
    // the key must belong to the card it came from (a forged click cannot acknowledge another incident)
    if (ctx.cardId !== ackCardId(ctx.arg)) {
      await ctx.say('该按钮与卡片不符，未作处理。请使用卡片上的“签收”按钮或发送 /签收 <编号>。');
      return;
    }
    await acknowledge(ctx, deps, ctx.arg, (card) => ctx.updateCard(card));
  };
}
