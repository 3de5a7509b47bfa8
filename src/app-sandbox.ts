/**
 * Builds the sandbox's view of the organisation from the directory: every config chat that is
 * on the sandbox, with everyone as a member (role badges for the chat's unit), role-holders first.
 */
import type { SandboxDirectory, SandboxMember } from './bot/adapters/sandbox/index.js';
import type { Bot } from './bot/Bot.js';
import type { Directory } from './domain/Directory.js';

/** The sandbox directory (chats, members with roles, command hints from the registered commands). */
export function buildSandboxDirectory(dir: Directory, bot: Bot): SandboxDirectory {
  const member = (personId: string, unitId: string): SandboxMember => {
    const p = dir.person(personId)!;
    return {
      id: p.id,
      name: p.name,
      title: p.title,
      roles: dir.rolesOf(p.id, unitId),
      wecomUserId: p.wecomUserId,
      dingtalkUserId: p.dingtalkUserId,
    };
  };
  const chats = dir
    .allChats()
    .filter((c) => c.sandbox !== false)
    .map((c) => ({
      id: c.id,
      name: c.name,
      unitName: dir.unit(c.unit)?.name ?? c.unit,
      wecomChatId: c.wecomChatId,
      dingtalkChatId: c.dingtalkChatId,
      members: dir
        .allPeople()
        .map((p) => member(p.id, c.unit))
        .sort((a, b) => rank(a) - rank(b)),
    }));
  return {
    botName: dir.botName,
    timezone: dir.timezone,
    chats,
    people: dir.allPeople().map((p) => ({
      id: p.id,
      name: p.name,
      title: p.title,
      roles: [],
      wecomUserId: p.wecomUserId,
      dingtalkUserId: p.dingtalkUserId,
    })),
    get commandHints() {
      return ['/帮助', '/上报 ', '/签收', '/查看', '/列表', ...bot.commands().map((c) => `/${c.name} `)]
        .filter((v, i, a) => a.findIndex((x) => x.trim() === v.trim()) === i)
        .slice(0, 12);
    },
  };
}

const ORDER = ['firstResponsible', 'directResponsible', 'spokesperson', 'office', 'leadershipGroup'];
function rank(m: SandboxMember): number {
  const r = m.roles.map((x) => ORDER.indexOf(x)).filter((i) => i >= 0);
  return r.length ? Math.min(...r) : ORDER.length;
}
