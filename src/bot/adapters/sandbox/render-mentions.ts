/**
 * Mention handling for the sandbox: outbound `@{userId}` tokens become `@姓名` (bot/types.ts
 * `OutboundMessage`), and `@姓名` typed in a person's text is recognised as a mention.
 */

/** The result of rendering: display text and the person ids mentioned (in order, each once). */
export interface RenderedText {
  text: string;
  mentions: string[];
}

const TOKEN = /@\{([^{}\s]+)\}/g;

/**
 * Renders an outbound text: each `@{userId}` token becomes `@<name>` (`nameOf(userId)`), and every id
 * in `extraMentions` that had no token is appended at the end as `@<name>`, separated by spaces.
 * `mentions` lists token ids first, then the appended ones; duplicates are dropped.
 */
export function renderOutboundText(
  text: string,
  extraMentions: readonly string[] | undefined,
  nameOf: (userId: string) => string,
): RenderedText {
  const mentions: string[] = [];
  const add = (id: string): void => {
    if (!mentions.includes(id)) mentions.push(id);
  };
  let rendered = text.replace(TOKEN, (_all, id: string) => {
    add(id);
    return `@${nameOf(id)}`;
  });
  const appended = (extraMentions ?? []).filter((id) => !mentions.includes(id));
  const uniqueAppended = [...new Set(appended)];
  if (uniqueAppended.length > 0) {
    const tail = uniqueAppended.map((id) => `@${nameOf(id)}`).join(' ');
    rendered = rendered.length === 0 || /\s$/.test(rendered) ? rendered + tail : `${rendered} ${tail}`;
    uniqueAppended.forEach(add);
  }
  return { text: rendered, mentions };
}

/**
 * Finds the people a person's own text mentions as `@<name>` (longest names first, so `@王建国` is not
 * read as a shorter `@王建`). Returns their ids in order of first appearance.
 */
export function findTypedMentions(text: string, people: ReadonlyArray<{ id: string; name: string }>): string[] {
  const sorted = [...people].filter((p) => p.name.length > 0).sort((a, b) => b.name.length - a.name.length);
  const hits: Array<{ at: number; id: string }> = [];
  const taken = new Set<number>();
  for (const p of sorted) {
    const needle = `@${p.name}`;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
      if (taken.has(at)) continue;
      taken.add(at);
      hits.push({ at, id: p.id });
    }
  }
  return [...new Set(hits.sort((a, b) => a.at - b.at).map((h) => h.id))];
}
