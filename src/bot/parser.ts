/**
 * The command parser: turns chat text into `{name, args, tokens}`.
 *
 * Accepts a leading `@BotName` (WeCom delivers group text as `"@BotName /ack …"`, [wecom.md §0]),
 * leading spaces (DingTalk's `text.content` starts with one), the ASCII slash `/` and the
 * full-width slash `／`, full-width spaces, and quoted arguments ("…" or “…”).
 * Text is cleaned first (`cleanChatText`): characters PostgreSQL cannot store are dropped, and
 * invisible format characters pasted around the command word do not change the command.
 */

/** A parsed command. `name` is lower-cased; `args` is the raw text after the name, trimmed. */
export interface ParsedCommand {
  name: string;
  args: string;
  tokens: string[];
}

/** `@name ` — or `@name` right before the command's slash (`@舆情助手/列表`, `＠舆情助手／列表`). */
const LEADING_MENTION = /^(?:[@＠][^\s\u3000/／]+(?:[\s\u3000]+|(?=[/／])))+/;
/** Invisible format characters (zero-width space/joiners, bidi marks, word joiner, BOM). */
const FORMAT_CHARS = '\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF';
const FORMAT_G = new RegExp(`[${FORMAT_CHARS}]`, 'g');
const LEADING_BLANK = new RegExp(`^[\\s\\u3000${FORMAT_CHARS}]+`);
const COMMAND_RE = new RegExp(
  `^[/／][${FORMAT_CHARS}]*([^\\s\\u3000/／${FORMAT_CHARS}]+)(?:[\\s\\u3000${FORMAT_CHARS}]+([\\s\\S]*))?$`,
);

/**
 * Makes chat text storable: drops NUL and the other C0 control characters except tab, line feed
 * and carriage return (PostgreSQL text and jsonb reject NUL), and replaces unpaired UTF-16
 * surrogates with U+FFFD (PostgreSQL rejects them too). Everything else is kept as typed.
 */
export function cleanChatText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Strips leading @-mentions and whitespace, and invisible format characters before, between and
 * after them (`@Bot \u200b@Bot /帮助` is a command too: found by the property tests).
 */
export function stripLeadingMentions(text: string): string {
  let t = text.replace(LEADING_BLANK, '');
  for (;;) {
    const next = t.replace(LEADING_MENTION, '').replace(LEADING_BLANK, '');
    if (next === t) return t;
    t = next;
  }
}

/**
 * Parses a command, or returns null when the text is not a command (does not start with a slash
 * after any leading mentions). The text is cleaned with `cleanChatText`; format characters around
 * the command word count as blanks. Never throws.
 */
export function parseCommand(text: string): ParsedCommand | null {
  const body = stripLeadingMentions(cleanChatText(String(text ?? '')));
  const m = COMMAND_RE.exec(body);
  if (!m) return null;
  let word = m[1];
  let args = (m[2] ?? '').trim();
  // a Chinese command word run into its incident id (/查看001, /签收YQ-20261129-001): split there
  const joined = /^(\p{Script=Han}+)((?:[0-9０-９]|[Yy][Qq]-).*)$/u.exec(word);
  if (joined) {
    word = joined[1];
    args = `${joined[2]}${args ? ` ${args}` : ''}`;
  }
  // full-width letters in the command word (／ＲＥＰＯＲＴ from a Chinese IME) fold to ASCII
  const name = word.replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).toLowerCase();
  return { name, args, tokens: tokenize(args) };
}

/**
 * Splits arguments on (full-width) whitespace, keeping quoted runs ("a b", “a b”, 「a b」) whole,
 * without their quotes.
 */
export function tokenize(args: string): string[] {
  return tokenSpans(args).map((t) => t.text);
}

/** A token and where it stands in the argument text (`start`..`end`, end exclusive, quotes included). */
export interface TokenSpan {
  text: string;
  start: number;
  end: number;
  /** An unquoted `@name` / `＠name` token: a mention, never part of a description (issue 10 item 9). */
  mention: boolean;
}

/**
 * Whether a token is a mention (`@刘洋`, `＠刘洋`); returns the name without the sign, else null.
 * Braces or a second `@` make it text (a typed `@{personId}` token is never a mention).
 */
export function mentionName(token: string): string | null {
  const m = /^[@＠]([^\s@＠{}｛｝]+)$/.exec(token);
  return m ? m[1] : null;
}

/** Like `tokenize`, with each token's position, so a command can keep the raw text between options. */
export function tokenSpans(args: string): TokenSpan[] {
  const out: TokenSpan[] = [];
  const re = /"([^"]*)"|“([^”]*)”|「([^」]*)」|([^\s\u3000]+)/g;
  for (let m = re.exec(args); m !== null; m = re.exec(args)) {
    const text = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (text.length > 0)
      out.push({ text, start: m.index, end: m.index + m[0].length, mention: !!m[4] && mentionName(text) !== null });
  }
  return out;
}

/** Incident id pattern `YQ-YYYYMMDD-NNN` (case-insensitive; the `YQ-` prefix may be omitted). */
const ID_RE = /^(?:yq[-－_]?)?(\d{8})[-－_](\d{3,})$/i;

/** Folds full-width ASCII (ＹＱ－２０２６…) to half-width and drops invisible format characters. */
function idForm(s: string): string {
  return s
    .trim()
    .replace(FORMAT_G, '')
    .replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
}

/**
 * Normalises an incident id token to `YQ-YYYYMMDD-NNN` (full-width letters and digits accepted),
 * or returns null if it is not one.
 */
export function parseIncidentId(token: string | undefined): string | null {
  if (!token) return null;
  const m = ID_RE.exec(idForm(token));
  return m ? `YQ-${m[1]}-${m[2]}` : null;
}

/** A short incident id: `002`, `2`, `-002` (full-width digits accepted), 1–999. */
const SHORT_ID_RE = /^[-－]?(\d{1,3})$/;

/**
 * How a token names an incident (issue 10 item 1): a full id (`{kind: 'id', id}`, see
 * `parseIncidentId`), a short id (`002`, `2`, `-002` → `{kind: 'short', number: 2}`: today's number,
 * resolved by `IncidentService.resolve`), or null.
 */
export function parseIncidentRef(
  token: string | undefined,
): { kind: 'id'; id: string } | { kind: 'short'; number: number } | null {
  const id = parseIncidentId(token);
  if (id) return { kind: 'id', id };
  if (!token) return null;
  const m = SHORT_ID_RE.exec(idForm(token));
  const n = m ? Number(m[1]) : 0;
  return n > 0 ? { kind: 'short', number: n } : null;
}

/**
 * Whether a token that `parseIncidentId` rejects was still meant as an incident id (starts with
 * `YQ` and a digit, or with an 8-digit date and a dash), e.g. a mistyped `YQ-2026112-001`.
 * Commands refuse such a token instead of falling back to "the only incident in this chat".
 */
export function looksLikeIncidentId(token: string | undefined): boolean {
  if (!token) return false;
  const t = idForm(token);
  return /^yq[-_]?\d/i.test(t) || /^\d{8}[-_]/.test(t);
}
