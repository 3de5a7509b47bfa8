/**
 * The organisation directory: people, units, chats, levels and categories from the config, with
 * look-ups by platform ids and aliases. Pure and immutable; built once from the validated config.
 * (Type-only import of the config types: the domain does not load config, it is handed it.)
 */
import type { Category, Chat, Level, OrgConfig, Person, Unit } from '../config/schema.js';
import { formatBusinessShort } from './business-time.js';

/** A role someone holds for a unit (domain.md "Who takes part"). */
export type Role =
  | 'firstResponsible'
  | 'directResponsible'
  | 'spokesperson'
  | 'office'
  | 'leadershipGroup'
  | 'upperAuthority';

/** Chinese names of roles, for messages. */
export const ROLE_NAMES: Record<Role | 'assignee' | 'reporter', string> = {
  firstResponsible: '第一责任人',
  directResponsible: '直接责任人',
  spokesperson: '新闻发言人',
  office: '领导小组办公室',
  leadershipGroup: '领导小组',
  upperAuthority: '上级主管部门',
  assignee: '承办人',
  reporter: '上报人',
};

export type PlatformKey = 'wecom' | 'dingtalk' | 'sandbox';

/**
 * Drill presentation (应急演练): with `timeScale` < 1 every time shown to people is simulated time,
 * `epoch + (t − epoch) / timeScale`, so a compressed exercise reads like the real thing.
 */
export interface TimePresentation {
  timeScale: number;
  epoch: Date;
}

export class Directory {
  private readonly people = new Map<string, Person>();
  private readonly units = new Map<string, Unit>();
  private readonly chats = new Map<string, Chat>();

  constructor(
    readonly config: OrgConfig,
    private readonly presentation: TimePresentation = { timeScale: 1, epoch: new Date(0) },
  ) {
    for (const p of config.people) this.people.set(p.id, p);
    for (const u of config.units) this.units.set(u.id, u);
    for (const c of config.chats) this.chats.set(c.id, c);
  }

  get timezone(): string {
    return this.config.timezone;
  }

  /** `MM-DD HH:mm` in business time (simulated time in a drill, see `TimePresentation`). */
  formatShort(at: Date): string {
    const { timeScale, epoch } = this.presentation;
    const shown = timeScale === 1 ? at : new Date(epoch.getTime() + (at.getTime() - epoch.getTime()) / timeScale);
    return formatBusinessShort(shown, this.config.timezone);
  }

  person(id: string): Person | undefined {
    return this.people.get(id);
  }
  /** Display name of a person id; unknown ids (e.g. `wecom:lisi`) are shown as given. */
  nameOf(id: string): string {
    return this.people.get(id)?.name ?? id.replace(/^[a-z]+:/, '');
  }
  allPeople(): Person[] {
    return this.config.people;
  }

  unit(id: string): Unit | undefined {
    return this.units.get(id);
  }
  allUnits(): Unit[] {
    return this.config.units;
  }

  /** Finds a unit by id or name (exact), then by a unique name prefix/substring. */
  findUnit(q: string): Unit | undefined {
    const s = q.trim();
    const exact = this.config.units.find((u) => u.id === s || u.name === s);
    if (exact) return exact;
    const partial = this.config.units.filter((u) => u.name.includes(s));
    return partial.length === 1 ? partial[0] : undefined;
  }

  chat(id: string): Chat | undefined {
    return this.chats.get(id);
  }
  allChats(): Chat[] {
    return this.config.chats;
  }

  /** The config chat bound to a platform chat id (sandbox chat ids are config chat ids). */
  chatByPlatformId(platform: PlatformKey, platformChatId: string): Chat | undefined {
    return this.config.chats.find((c) =>
      platform === 'sandbox'
        ? c.id === platformChatId
        : platform === 'wecom'
          ? c.wecomChatId === platformChatId
          : c.dingtalkChatId === platformChatId,
    );
  }

  /** The person behind a platform user id (sandbox user ids are person ids). */
  personByPlatformId(platform: PlatformKey, userId: string): Person | undefined {
    return this.config.people.find((p) =>
      platform === 'sandbox'
        ? p.id === userId
        : platform === 'wecom'
          ? p.wecomUserId === userId
          : p.dingtalkUserId === userId,
    );
  }

  /** A person's user id on a platform, if bound there. */
  platformUserId(platform: PlatformKey, personId: string): string | undefined {
    const p = this.people.get(personId);
    if (!p) return undefined;
    return platform === 'sandbox' ? p.id : platform === 'wecom' ? p.wecomUserId : p.dingtalkUserId;
  }

  /** Finds a person by id, name, or any platform user id; a leading `@` is ignored. */
  findPerson(q: string): Person | undefined {
    const s = q.trim().replace(/^[@＠]/, '');
    return this.config.people.find((p) => p.id === s || p.name === s || p.wecomUserId === s || p.dingtalkUserId === s);
  }

  /** Leadership group members: leader, deputies, members (domain.md "leadership group"). */
  leadershipGroup(): string[] {
    const lg = this.config.leadershipGroup;
    return unique([lg.leader, ...lg.deputies, ...lg.members]);
  }

  /** Roles a person holds for a unit, including group-wide ones. */
  rolesOf(personId: string, unitId: string): Role[] {
    const u = this.units.get(unitId);
    const roles: Role[] = [];
    if (u?.firstResponsible === personId) roles.push('firstResponsible');
    if (u?.directResponsible === personId) roles.push('directResponsible');
    if (u?.spokesperson === personId) roles.push('spokesperson');
    if (u?.office.includes(personId)) roles.push('office');
    if (this.leadershipGroup().includes(personId)) roles.push('leadershipGroup');
    if (this.config.upperAuthority.contacts.includes(personId)) roles.push('upperAuthority');
    return roles;
  }

  /**
   * Whether a person holds a permission listed as person ids or role names (config
   * `permissions.*`, e.g. `[firstResponsible, office]`) for a unit; a role in a parent unit counts.
   */
  allowed(personId: string | null, unitId: string, holders: string[]): boolean {
    if (!personId) return false;
    if (holders.includes(personId)) return true;
    return this.ancestry(unitId).some((u) => this.rolesOf(personId, u).some((r) => holders.includes(r)));
  }

  /** The unit and its parents, nearest first (a parent cycle stops the walk). */
  ancestry(unitId: string): string[] {
    const out: string[] = [];
    for (let u = this.units.get(unitId); u && !out.includes(u.id); u = u.parent ? this.units.get(u.parent) : undefined)
      out.push(u.id);
    return out;
  }

  /** Whether `unitId` is `ancestorId` or lies below it. */
  within(unitId: string, ancestorId: string): boolean {
    return this.ancestry(unitId).includes(ancestorId);
  }

  /**
   * Who may see an incident of `unitId` reported in `incidentChatId` (confidentiality, 002 / 004
   * "内外有别"): in a group chat — incidents reported there or of its unit and sub-units (the
   * leadership group's chat sees all); 1:1 — the leadership group and upper authority see all,
   * others the units (and sub-units) where they hold a role. Reporters and assignees are checked
   * by the caller.
   */
  sees(
    scope: { chatId: string | null; personId: string | null },
    incident: { unitId: string; chatId: string },
  ): boolean {
    if (scope.chatId) {
      const chat = this.chats.get(scope.chatId);
      if (!chat) return false;
      return (
        chat.id === this.config.leadershipGroup.chat ||
        incident.chatId === chat.id ||
        this.within(incident.unitId, chat.unit)
      );
    }
    const p = scope.personId;
    if (!p) return false;
    if (this.leadershipGroup().includes(p) || this.config.upperAuthority.contacts.includes(p)) return true;
    return this.config.units.some((u) => this.rolesOf(p, u.id).length > 0 && this.within(incident.unitId, u.id));
  }

  /** Severity levels, highest first. */
  levels(): Level[] {
    return this.config.severity.levels;
  }
  level(id: string): Level | undefined {
    return this.config.severity.levels.find((l) => l.id === id);
  }
  /** Resolves a level by id, name or alias (case-insensitive, full-width digits folded). */
  findLevel(q: string): Level | undefined {
    const s = normaliseToken(q).replace(/^(级别|等级|level)[:：=]?/i, '');
    const key = s.toLowerCase();
    return this.config.severity.levels.find((l) =>
      [l.id, l.name, ...l.aliases].some((a) => a.toLowerCase() === key || `${a}级`.toLowerCase() === key),
    );
  }
  /** Rank of a level: 0 is the highest. -1 if unknown. */
  rank(levelId: string): number {
    return this.config.severity.levels.findIndex((l) => l.id === levelId);
  }

  categories(): Category[] {
    return this.config.categories;
  }
  category(id: string): Category | undefined {
    return this.config.categories.find((c) => c.id === id);
  }
  /** Resolves a category by id, name or alias. */
  findCategory(q: string): Category | undefined {
    const s = normaliseToken(q).toLowerCase();
    return this.config.categories.find((c) => [c.id, c.name, ...c.aliases].some((a) => a.toLowerCase() === s));
  }
}

/** Folds full-width ASCII (ＩＩ, １) to half-width and trims. */
export function normaliseToken(s: string): string {
  return s.trim().replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
