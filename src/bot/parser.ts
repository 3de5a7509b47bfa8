/**
 * The command parser: turns chat text into `{name, args, tokens}`.
 *
 * Accepts a leading `@BotName` (WeCom delivers group text as `"@BotName /ack …"`, [wecom.md §0]),
 * leading spaces (DingTalk's `text.content` starts with one), the ASCII slash `/` and the
 * full-width slash `／`, full-width spaces, and quoted arguments ("…" or “…”).
 */

/** A parsed command. `name` is lower-cased; `args` is the raw text after the name, trimmed. */
export interface ParsedCommand {
  name: string;
  args: string;
  tokens: string[];
}

const LEADING_MENTION = /^(?:[@＠]\S+[\s\u3000]+)+/;

/** Strips leading @-mentions and whitespace. */
export function stripLeadingMentions(text: string): string {
  return text.replace(/^[\s\u3000]+/, '').replace(LEADING_MENTION, '').replace(/^[\s\u3000]+/, '');
}

/**
 * Parses a command, or returns null when the text is not a command (does not start with a slash
 * after any leading mentions). Never throws.
 */
export function parseCommand(text: string): ParsedCommand | null {
  const body = stripLeadingMentions(String(text ?? ''));
  const m = /^[/／]([^\s\u3000/／]+)([\s\u3000]+([\s\S]*))?$/.exec(body);
  if (!m) return null;
  const args = (m[3] ?? '').trim();
  return { name: m[1].toLowerCase(), args, tokens: tokenize(args) };
}

/**
 * Splits arguments on (full-width) whitespace, keeping quoted runs ("a b", “a b”, 「a b」) whole,
 * without their quotes.
 */
export function tokenize(args: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|「([^」]*)」|([^\s\u3000]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(args)) !== null) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out.filter((t) => t.length > 0);
}

/** Incident id pattern `YQ-YYYYMMDD-NNN` (case-insensitive; the `YQ-` prefix may be omitted). */
const ID_RE = /^(?:yq[-－_]?)?(\d{8})[-－_](\d{3,})$/i;

/** Normalises an incident id token to `YQ-YYYYMMDD-NNN`, or returns null if it is not one. */
export function parseIncidentId(token: string | undefined): string | null {
  if (!token) return null;
  const m = ID_RE.exec(token.trim());
  return m ? `YQ-${m[1]}-${m[2]}` : null;
}
