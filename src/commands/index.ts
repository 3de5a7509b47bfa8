/** Registers every chat command and card action on the bot. */
import type { Bot } from '../bot/Bot.js';
import { ackAction, ackCommand } from './ack.js';
import { approvalAction, approveCommand, rejectCommand } from './approve.js';
import { assignCommand } from './assign.js';
import { categoryCommand } from './category.js';
import { doneCommand } from './done.js';
import { draftCommand, planCommand } from './draft.js';
import { dutyCommand } from './duty.js';
import { feedbackCommand } from './feedback.js';
import { gradeCommand } from './grade.js';
import { helpCommand } from './help.js';
import { levelCommand } from './level.js';
import { calmCommand, closeCommand, publishCommand, reopenCommand } from './lifecycle.js';
import { listCommand } from './list.js';
import { reportCommand } from './report.js';
import { assessCommand, dailyCommand, monthlyCommand, weeklyCommand } from './reports.js';
import { resendCommand } from './resend.js';
import type { CommandDeps } from './shared.js';
import { showCommand } from './show.js';
import { externalSignOffCommand, legalReviewCommand } from './signoff.js';
import { updateCommand } from './update.js';
import { upwardCommand } from './upward.js';

/** Registers the command set (issues 3, 4, 8 and 9). `now` is the clock. */
export function registerCommands(bot: Bot, deps: CommandDeps, now: () => Date): void {
  bot
    .command(reportCommand(deps, now))
    .command(ackCommand(deps))
    .command(levelCommand(deps))
    .command(categoryCommand(deps))
    .command(updateCommand(deps))
    .command(assignCommand(deps))
    .command(planCommand(deps))
    .command(draftCommand(deps))
    .command(approveCommand(deps))
    .command(rejectCommand(deps))
    .command(externalSignOffCommand(deps))
    .command(legalReviewCommand(deps))
    .command(publishCommand(deps))
    .command(calmCommand(deps))
    .command(feedbackCommand(deps))
    .command(doneCommand(deps))
    .command(gradeCommand(deps))
    .command(closeCommand(deps, now))
    .command(reopenCommand(deps))
    .command(showCommand(deps, now))
    .command(listCommand(deps, now))
    .command(dailyCommand(deps, now))
    .command(weeklyCommand(deps, now))
    .command(monthlyCommand(deps, now))
    .command(upwardCommand(deps, now))
    .command(dutyCommand(deps, now))
    .command(assessCommand(deps, now))
    .command(helpCommand(bot, deps.directory.botName));
  if (deps.delivery) bot.command(resendCommand(deps.delivery));
  bot.action('ack', ackAction(deps));
  bot.action('apv', approvalAction(deps));
}
