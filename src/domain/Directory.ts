/**
 * The organisation directory: people, units, chats, levels and categories from the config, with
 * look-ups by platform ids and aliases. Pure and immutable; built once from the validated config.
 * (Type-only import of the config types: the domain does not load config, it is handed it.)
 */
import type {
  ApprovalsConfig,
  Category,
  Chat,
  Level,
  MilestoneDef,
  OrgConfig,
  Person,
  Unit,
} from '../config/schema.js';
import { formatBusinessShort } from './business-time.js';
import type { EscalationSpec } from './milestones/specs.js';

/** A configured permission (config `permissions.*`). */
export type PermissionName = keyof OrgConfig['permissions'];

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
 * `epoch + (t − epoch) / timeScale`, so a compressed exercise reads like the real thing. Times
 * before `epoch` (the drill's start) were not compressed and are shown as they are (e.g. the
 * 17:30 a 补发 rollup was due, when the drill started later).
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
    private readonly config: OrgConfig,
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
    const shown =
      timeScale === 1 || at < epoch ? at : new Date(epoch.getTime() + (at.getTime() - epoch.getTime()) / timeScale);
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

  /**
   * The chat that hears a unit's incidents wherever they were reported (issue 10 item 12): the
   * first chat bound to the unit, else to its nearest parent; undefined when none is.
   */
  homeChat(unitId: string): Chat | undefined {
    for (const u of this.ancestry(unitId)) {
      const c = this.config.chats.find((x) => x.unit === u);
      if (c) return c;
    }
    return undefined;
  }

  /**
   * Where chases of an incident go: its unit's home chat (`homeChat`), else the chat it was
   * reported in (issue 10 item 12: the owning unit hears about its incident wherever it was reported).
   */
  incidentChat(i: { unitId: string; chatId: string }): string {
    return this.homeChat(i.unitId)?.id ?? i.chatId;
  }

  /** Whether a level is configured `notifyLeadershipAtOnce` (domain.md "先报、早报"; issue 10 item 11). */
  leadershipAtOnce(levelId: string): boolean {
    return this.level(levelId)?.notifyLeadershipAtOnce === true;
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
  private allowed(personId: string | null, unitId: string, holders: string[]): boolean {
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

  /** The unit and everything below it (children, grandchildren, …), the unit first. */
  subtree(unitId: string): string[] {
    if (!this.units.has(unitId)) return [];
    return [unitId, ...this.config.units.filter((u) => u.id !== unitId && this.within(u.id, unitId)).map((u) => u.id)];
  }

  /** The config chat id of the leadership group's chat, if one is configured. */
  leadershipChatId(): string | null {
    return this.config.leadershipGroup.chat ?? null;
  }

  /** The leadership group's leader, deputies and chat (domain.md "leadership group"). */
  leadershipGroupSpec(): { leader: string; deputies: readonly string[]; chat: string | null } {
    const lg = this.config.leadershipGroup;
    return { leader: lg.leader, deputies: lg.deputies, chat: lg.chat ?? null };
  }

  /** The upper authority's name (config `upperAuthority.name`, e.g. 县委网信办). */
  upperAuthorityName(): string {
    return this.config.upperAuthority.name;
  }

  /** Who approves drafts, per kind, category and level (config `approvals`; issue 8, domain.md "Approvals"). */
  approvalRules(): ApprovalsConfig {
    return this.config.approvals;
  }

  /** Person ids of the upper authority's contacts (上级主管部门). */
  upperAuthorityContacts(): readonly string[] {
    return this.config.upperAuthority.contacts;
  }

  /** The report settings (config `rollup`, `reports`, `duty`, `upwardReports`; issue 9). */
  reportSettings(): Pick<OrgConfig, 'rollup' | 'reports' | 'duty' | 'upwardReports'> {
    const { rollup, reports, duty, upwardReports } = this.config;
    return { rollup, reports, duty, upwardReports };
  }

  /** The bot's display name (config `bot.name`). */
  get botName(): string {
    return this.config.bot.name;
  }

  /** Whether `personId` holds permission `which` (config `permissions.*`) for a unit; see `allowed`. */
  may(personId: string | null, unitId: string, which: PermissionName): boolean {
    return this.allowed(personId, unitId, this.config.permissions[which]);
  }

  /**
   * Whether permission `which` lists the pseudo-role `assignee` (the incident's assignees; the
   * caller checks assignments, which the directory does not know; issue 10 item 13).
   */
  permitsAssignees(which: PermissionName): boolean {
    return this.config.permissions[which].includes('assignee');
  }

  /** Whether `/办结` needs a category first (config `closing.requireCategory`; issue 10 item 15). */
  closingRequiresCategory(): boolean {
    return this.config.closing.requireCategory;
  }

  /** The level a report without one gets (config `severity.default`). */
  defaultLevel(): string {
    return this.config.severity.default;
  }

  /** The configured milestones (time limits), in config order. */
  milestoneSpecs(): readonly MilestoneDef[] {
    return this.config.milestones;
  }

  /** A milestone definition by its base key (`ack`, `reportUp`, …). */
  milestoneSpec(baseKey: string): MilestoneDef | undefined {
    return this.config.milestones.find((m) => m.key === baseKey);
  }

  /** End of the business day, `HH:mm` (config `calendar.endOfDay`), for same-day limits. */
  get endOfDay(): string {
    return this.config.calendar.endOfDay;
  }

  /** The live escalation policy (config `escalation`); a plan snapshots it (see escalation-snapshot.ts). */
  escalationPolicy(): EscalationSpec {
    return this.config.escalation;
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
