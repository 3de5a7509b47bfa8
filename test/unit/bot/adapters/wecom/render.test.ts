import {
  buildCardUpdateReply,
  buildMessageReply,
  buildResponseUrlBody,
} from '../../../../../src/bot/adapters/wecom/passive-reply.js';
import { cardToMarkdown, toTemplateCard } from '../../../../../src/bot/adapters/wecom/render-card.js';
import {
  ELLIPSIS,
  renderMentions,
  STREAM_CONTENT_MAX_BYTES,
  truncateUtf8,
  utf8Bytes,
  WEBHOOK_MARKDOWN_MAX_BYTES,
} from '../../../../../src/bot/adapters/wecom/render-markdown.js';
import type { Card } from '../../../../../src/bot/types.js';
import { wsSendBodies } from '../../../../../src/bot/adapters/wecom/ws/render-ws.js';

const card: Card = {
  id: 'YQ-20261129-001_ack',
  title: '舆情 YQ-20261129-001 待签收',
  description: '某平台出现负面帖子',
  fields: Array.from({ length: 8 }, (_, i) => ({ label: `字段${i + 1}`, value: `值${i + 1}` })),
  buttons: [
    { key: 'ack:YQ-20261129-001', text: '签收', style: 'primary' },
    { key: 'esc:YQ-20261129-001', text: '升级', style: 'danger' },
    { key: 'later', text: '稍后', style: 'default' },
    { key: 'k4', text: '四' },
    { key: 'k5', text: '五' },
    { key: 'k6', text: '六' },
    { key: 'k7', text: '七' },
  ],
};

describe('WeCom mentions (wecom.md §2: markdown mentions are <@userid>)', () => {
  test('@{userId} tokens render in place as <@userId>', () => {
    expect(renderMentions('请 @{LiHua} 签收，@{ZhangMin} 拟稿', ['LiHua', 'ZhangMin'])).toBe(
      '请 <@LiHua> 签收，<@ZhangMin> 拟稿',
    );
  });

  test('mentions without a token are appended once on a last line', () => {
    expect(renderMentions('请签收', ['LiHua', 'LiHua', 'WuFang'])).toBe('请签收\n<@LiHua> <@WuFang>');
    expect(renderMentions('', ['LiHua'])).toBe('<@LiHua>');
  });
});

describe('UTF-8 truncation (stream 20480 bytes [101031], webhook markdown 4096 bytes [91770])', () => {
  test('text within the limit is unchanged', () => {
    const s = '舆'.repeat(1365); // 4095 bytes
    expect(truncateUtf8(s, WEBHOOK_MARKDOWN_MAX_BYTES)).toBe(s);
  });

  test('Chinese text is cut at a character boundary with an ellipsis, within the byte limit', () => {
    const out = truncateUtf8('舆情'.repeat(3000), WEBHOOK_MARKDOWN_MAX_BYTES);
    expect(utf8Bytes(out)).toBeLessThanOrEqual(WEBHOOK_MARKDOWN_MAX_BYTES);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
  });

  test('emoji (surrogate pairs) are never split', () => {
    const out = truncateUtf8('a😀'.repeat(100), 50);
    expect(utf8Bytes(out)).toBeLessThanOrEqual(50);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
  });

  test('a <@userid> mention is not left half-written at the cut', () => {
    const text = `${'x'.repeat(40)}<@VeryLongUserId>`;
    const out = truncateUtf8(text, 48);
    expect(out).toBe(`${'x'.repeat(40)}${ELLIPSIS}`);
  });
});

describe('template card rendering [90236, 101031]', () => {
  test('a neutral card becomes a button_interaction card: task_id = card id, <= 6 rows and buttons, styles 1..4', () => {
    const t = toTemplateCard(card);
    expect(t.card_type).toBe('button_interaction');
    expect(t.main_title).toEqual({ title: card.title, desc: card.description });
    expect(t.task_id).toBe(card.id);
    expect(t.horizontal_content_list).toHaveLength(6);
    expect(t.horizontal_content_list![0]).toEqual({ keyname: '字段1', value: '值1' });
    expect(t.button_list).toHaveLength(6);
    expect(t.button_list.slice(0, 3)).toEqual([
      { text: '签收', style: 1, key: 'ack:YQ-20261129-001' },
      { text: '升级', style: 3, key: 'esc:YQ-20261129-001' },
      { text: '稍后', style: 2, key: 'later' },
    ]);
  });

  test('for the webhook robot a card is markdown listing its buttons with a command hint [91770]', () => {
    const md = cardToMarkdown({ ...card, fields: card.fields!.slice(0, 1) });
    expect(md).toContain(`**${card.title}**`);
    expect(md).toContain('> 字段1：值1');
    expect(md).toContain('【签收】');
    expect(md).toContain('@机器人');
  });
});

describe('passive reply merging [101031]', () => {
  test('several replies merge into one finished stream with mentions', () => {
    const r = buildMessageReply([{ text: '已受理 @{LiHua}' }, { text: '第二条', mentions: ['WuFang'] }], 'sid');
    expect(r).toEqual({
      msgtype: 'stream',
      stream: { id: 'sid', finish: true, content: '已受理 <@LiHua>\n\n第二条\n<@WuFang>' },
    });
  });

  test('a card makes it stream_with_template_card; a second card is appended as markdown', () => {
    const r = buildMessageReply(
      [
        { text: '请签收', card },
        { text: '另一张', card: { ...card, id: 'other', title: '第二张卡' } },
      ],
      'sid',
    );
    expect(r?.msgtype).toBe('stream_with_template_card');
    if (r?.msgtype !== 'stream_with_template_card') throw new Error('unreachable');
    expect(r.template_card.task_id).toBe(card.id);
    expect(r.stream.content).toContain('**第二张卡**');
  });

  test('a card without any text is a bare template_card; nothing replied is no reply', () => {
    expect(buildMessageReply([{ text: '', card }], 'sid')?.msgtype).toBe('template_card');
    expect(buildMessageReply([], 'sid')).toBeUndefined();
  });

  test('stream content is kept within 20480 UTF-8 bytes', () => {
    const r = buildMessageReply([{ text: '长'.repeat(10000) }], 'sid');
    if (r?.msgtype !== 'stream') throw new Error('expected a stream');
    expect(utf8Bytes(r.stream.content)).toBeLessThanOrEqual(STREAM_CONTENT_MAX_BYTES);
  });

  test('a card update answers a click with update_template_card for everyone', () => {
    const r = buildCardUpdateReply(card);
    expect(r.response_type).toBe('update_template_card');
    expect(r.template_card.task_id).toBe(card.id);
    expect(r).not.toHaveProperty('userids');
  });

  test('response_url bodies: markdown with mentions; a card without mentions with its text as plain sub title [101138]', () => {
    expect(buildResponseUrlBody({ text: '完成 @{LiHua}' })).toEqual({
      msgtype: 'markdown',
      markdown: { content: '完成 <@LiHua>' },
    });
    const withCard = buildResponseUrlBody({ text: '请**尽快**审批', card });
    expect(withCard.msgtype).toBe('template_card');
    if (withCard.msgtype !== 'template_card') throw new Error('unreachable');
    expect(withCard.template_card.sub_title_text).toBe('请尽快审批');
  });

  test('issue 12 item 2: a card with mentions never shows user ids as text — markdown with <@userid> (the card as text), or the bare card when the mention goes another way', () => {
    const m = { text: '请 @{LiuYang}（第一责任人）**立即**签收', mentions: ['LiuYang'], card };
    const body = buildResponseUrlBody(m);
    expect(body.msgtype).toBe('markdown');
    if (body.msgtype !== 'markdown') throw new Error('unreachable');
    expect(body.markdown.content).toContain('请 <@LiuYang>（第一责任人）');
    expect(body.markdown.content).toContain(card.title);
    expect(body.markdown.content).not.toMatch(/请 LiuYang/);
    const bare = buildResponseUrlBody(m, true);
    expect(bare.msgtype).toBe('template_card');
    expect(JSON.stringify(bare)).not.toMatch(/LiuYang|\*\*/);
  });

  test('issue 12 item 2: template-card fields never show raw markdown or mention markup', () => {
    const t = toTemplateCard(
      {
        id: 'c1',
        title: '**YQ-1** 请签收',
        description: '<font color="warning">紧急</font> 见 [帖子](https://bbs.example.cn/t/1)',
        fields: [
          { label: '`级别`', value: '> **三级**' },
          { label: '责任人', value: '<@LiuYang> @{WuFang}' },
        ],
        buttons: [{ key: 'k', text: '签收' }],
      },
      '## 说明 __重要__',
    );
    expect(t.main_title).toEqual({ title: 'YQ-1 请签收', desc: '紧急 见 帖子 https://bbs.example.cn/t/1' });
    expect(t.sub_title_text).toBe('说明 重要');
    expect(t.horizontal_content_list).toEqual([
      { keyname: '级别', value: '三级' },
      { keyname: '责任人', value: '@LiuYang @WuFang' },
    ]);
  });
});

describe('long-connection send bodies (aibot_send_msg; issue 12 items 1, 2)', () => {
  test('text goes as markdown with <@userid> mentions; never markdown_v2', () => {
    expect(wsSendBodies({ text: '请 @{LiuYang} 处理', mentions: ['LiuYang', 'WuFang'] })).toEqual([
      { msgtype: 'markdown', markdown: { content: '请 <@LiuYang> 处理\n<@WuFang>' } },
    ]);
  });

  test('a card cannot mention: its text with the mentions goes first as markdown, then the card', () => {
    const bodies = wsSendBodies({ text: '请 @{LiuYang} 签收', mentions: ['LiuYang'], card });
    expect(bodies.map((b) => b.msgtype)).toEqual(['markdown', 'template_card']);
    expect(JSON.stringify(bodies[0])).toContain('<@LiuYang>');
    expect(wsSendBodies({ text: '', card }).map((b) => b.msgtype)).toEqual(['template_card']);
  });
});
