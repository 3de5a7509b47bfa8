/**
 * Config loading: defaults (the schema) < YAML file (`CONFIG_FILE`, default `config/default.yaml`)
 * < environment (process settings in `Settings`). Fails fast with `ConfigError` naming the path.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { ConfigSchema, type OrgConfig } from './schema.js';

/**
 * Parses and validates an organisation config object.
 * @throws ConfigError with one line per problem: `path: message`, e.g.
 *   `units[2].firstResponsible: unknown person "wang"`.
 */
export function parseOrgConfig(raw: unknown): OrgConfig {
  const result = ConfigSchema.superRefine(checkReferences).safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new ConfigError(`invalid config:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/**
 * Reads a YAML file and validates it.
 * @throws ConfigError when the file is missing, not YAML, or invalid.
 */
export function loadOrgConfig(file: string): OrgConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
  try {
    return parseOrgConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.message}`);
    throw e;
  }
}

/** `['units', 2, 'firstResponsible']` → `units[2].firstResponsible`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

type Ctx = z.RefinementCtx;

/** Cross-reference checks the schema alone cannot express. */
function checkReferences(c: z.infer<typeof ConfigSchema>, ctx: Ctx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const people = new Set<string>();
  c.people.forEach((p, i) => {
    if (people.has(p.id)) issue(['people', i, 'id'], `duplicate person id "${p.id}"`);
    people.add(p.id);
  });
  // platform ids must be unique, or the first match silently wins and acts are credited to the wrong person/chat
  const uniqueIds = (list: Array<Record<string, unknown>>, key: string, what: string) => {
    const seen = new Map<unknown, number>();
    list.forEach((x, i) => {
      const v = x[key];
      if (v === undefined) return;
      if (seen.has(v)) issue([what, i, key], `"${String(v)}" is also ${what}[${seen.get(v)}].${key}`);
      else seen.set(v, i);
    });
  };
  uniqueIds(c.people, 'wecomUserId', 'people');
  uniqueIds(c.people, 'dingtalkUserId', 'people');
  uniqueIds(c.chats, 'wecomChatId', 'chats');
  uniqueIds(c.chats, 'dingtalkChatId', 'chats');
  const overlap = c.calendar.extraHolidays.filter((d) => c.calendar.extraWorkdays.includes(d));
  if (overlap.length) issue(['calendar'], `dates both extra holiday and extra workday: ${overlap.join(', ')}`);
  const person = (path: (string | number)[], id: string | undefined) => {
    if (id !== undefined && !people.has(id)) issue(path, `unknown person "${id}"`);
  };
  const units = new Set(c.units.map((u) => u.id));
  c.units.forEach((u, i) => {
    person(['units', i, 'firstResponsible'], u.firstResponsible);
    person(['units', i, 'directResponsible'], u.directResponsible);
    person(['units', i, 'spokesperson'], u.spokesperson);
    for (const [j, o] of u.office.entries()) person(['units', i, 'office', j], o);
    if (u.parent !== undefined && !units.has(u.parent)) issue(['units', i, 'parent'], `unknown unit "${u.parent}"`);
  });
  const lg = c.leadershipGroup;
  person(['leadershipGroup', 'leader'], lg.leader);
  for (const [j, p] of lg.deputies.entries()) person(['leadershipGroup', 'deputies', j], p);
  for (const [j, p] of lg.members.entries()) person(['leadershipGroup', 'members', j], p);
  for (const [j, p] of c.upperAuthority.contacts.entries()) person(['upperAuthority', 'contacts', j], p);
  const chats = new Set<string>();
  c.chats.forEach((ch, i) => {
    if (chats.has(ch.id)) issue(['chats', i, 'id'], `duplicate chat id "${ch.id}"`);
    chats.add(ch.id);
    if (!units.has(ch.unit)) issue(['chats', i, 'unit'], `unknown unit "${ch.unit}"`);
  });
  if (lg.chat !== undefined && !chats.has(lg.chat)) issue(['leadershipGroup', 'chat'], `unknown chat "${lg.chat}"`);
  const viewerIds = new Set<string>();
  const viewerTokens = new Set<string>();
  c.dashboard.viewers.forEach((v, i) => {
    if (viewerIds.has(v.id)) issue(['dashboard', 'viewers', i, 'id'], `duplicate viewer id "${v.id}"`);
    viewerIds.add(v.id);
    if (viewerTokens.has(v.tokenSha256))
      issue(['dashboard', 'viewers', i, 'tokenSha256'], 'two viewers share one token');
    viewerTokens.add(v.tokenSha256);
    if (!units.has(v.unit)) issue(['dashboard', 'viewers', i, 'unit'], `unknown unit "${v.unit}"`);
  });
  const levels = new Set(c.severity.levels.map((l) => l.id));
  if (!levels.has(c.severity.default)) issue(['severity', 'default'], `unknown level "${c.severity.default}"`);
  const aliasOwner = new Map<string, string>();
  c.severity.levels.forEach((l, i) => {
    for (const a of [l.id, l.name, ...l.aliases]) {
      const prev = aliasOwner.get(a.toLowerCase());
      if (prev !== undefined && prev !== l.id)
        issue(['severity', 'levels', i, 'aliases'], `alias "${a}" also names level "${prev}"`);
      aliasOwner.set(a.toLowerCase(), l.id);
    }
  });
  const categories = new Set(c.categories.map((x) => x.id));
  const keys = new Set<string>();
  c.milestones.forEach((m, i) => {
    if (keys.has(m.key)) issue(['milestones', i, 'key'], `duplicate milestone key "${m.key}"`);
    keys.add(m.key);
    const limits = [m.limitMinutes, m.limitWorkingDays, m.sameDay || undefined].filter((x) => x !== undefined);
    if (limits.length !== 1) issue(['milestones', i], 'give exactly one of limitMinutes, limitWorkingDays, sameDay');
    m.levels?.forEach((l, j) => {
      if (!levels.has(l)) issue(['milestones', i, 'levels', j], `unknown level "${l}"`);
    });
    Object.keys(m.perLevel).forEach((l) => {
      if (!levels.has(l)) issue(['milestones', i, 'perLevel', l], `unknown level "${l}"`);
    });
    m.categories?.forEach((x, j) => {
      if (!categories.has(x)) issue(['milestones', i, 'categories', j], `unknown category "${x}"`);
    });
  });
  Object.keys(c.escalation.quietHours).forEach((l) => {
    if (!levels.has(l)) issue(['escalation', 'quietHours', l], `unknown level "${l}"`);
  });
  const approverRoles = new Set(['firstResponsible', 'directResponsible', 'spokesperson', 'leader', 'deputy']);
  const approvers = (path: (string | number)[], list: string[] | undefined) =>
    list?.forEach((a, j) => {
      if (!approverRoles.has(a) && !people.has(a)) issue([...path, j], `unknown person or approver role "${a}"`);
    });
  for (const kind of ['statement', 'plan'] as const) {
    const k = c.approvals[kind];
    approvers(['approvals', kind, 'approvers'], k.approvers);
    for (const [l, r] of Object.entries(k.perLevel)) {
      if (!levels.has(l)) issue(['approvals', kind, 'perLevel', l], `unknown level "${l}"`);
      approvers(['approvals', kind, 'perLevel', l, 'approvers'], r.approvers);
    }
    for (const [x, r] of Object.entries(k.perCategory)) {
      if (!categories.has(x)) issue(['approvals', kind, 'perCategory', x], `unknown category "${x}"`);
      approvers(['approvals', kind, 'perCategory', x, 'approvers'], r.approvers);
    }
  }
  for (const [j, p] of c.approvals.legalReviewers.entries()) person(['approvals', 'legalReviewers', j], p);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: c.timezone });
  } catch {
    issue(['timezone'], `unknown time zone "${c.timezone}"`);
  }
}
