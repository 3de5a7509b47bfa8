/**
 * Sandbox test fixtures: a demo directory (shaped like config/default.yaml's organisation), an
 * in-memory logger, and an echo sink standing in for the Bot hub (built elsewhere).
 */
import type { SandboxDirectory, SandboxLogger } from '../../../src/bot/adapters/sandbox/index.js';
import type { Card, InboundEvent } from '../../../src/bot/types.js';

/** Two chats and one person in no chat (the upper authority's contact). */
export const demoDirectory: SandboxDirectory = {
  botName: '舆情助手',
  timezone: 'Asia/Shanghai',
  commandHints: ['/帮助', '/上报 ', '/卡片'],
  chats: [
    {
      id: 'leaders',
      name: '局舆情工作领导小组群',
      unitName: '青山县民政局',
      wecomChatId: 'wrLeaders001',
      dingtalkChatId: 'cidLeaders001==',
      members: [
        {
          id: 'wangjg',
          name: '王建国',
          title: '局长',
          roles: ['firstResponsible', 'leadershipGroup'],
          wecomUserId: 'WangJianGuo',
          dingtalkUserId: 'dt0001',
        },
        {
          id: 'lihua',
          name: '李华',
          title: '副局长',
          roles: ['directResponsible', 'leadershipGroup'],
          wecomUserId: 'LiHua',
          dingtalkUserId: 'dt0002',
        },
        {
          id: 'zhangmin',
          name: '张敏',
          title: '办公室主任、新闻发言人',
          roles: ['spokesperson', 'office'],
          wecomUserId: 'ZhangMin',
          dingtalkUserId: 'dt0003',
        },
      ],
    },
    {
      id: 'relief',
      name: '社会救助股工作群',
      unitName: '社会救助股',
      wecomChatId: 'wrRelief002',
      dingtalkChatId: 'cidRelief002==',
      members: [
        {
          id: 'liuyang',
          name: '刘洋',
          title: '社会救助股股长',
          roles: ['firstResponsible'],
          wecomUserId: 'LiuYang',
          dingtalkUserId: 'dt0005',
        },
        { id: 'wufang', name: '吴芳', title: '社会救助股副股长', roles: ['directResponsible'] },
        { id: 'chenjing', name: '陈静', title: '办公室舆情监测员', roles: ['office'] },
      ],
    },
  ],
  people: [{ id: 'hegang', name: '何刚', title: '县委网信办联络员', roles: [] }],
};

/** A logger that keeps entries in memory, so tests can assert what was logged. */
export function memoryLogger(): SandboxLogger & { entries: Array<{ level: string; obj: object; msg?: string }> } {
  const entries: Array<{ level: string; obj: object; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj, msg });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The card the echo sink sends for `/卡片`: an acknowledgement card with two buttons. */
export function ackCard(id: string): Card {
  return {
    id,
    title: '舆情 YQ-20261129-001 待签收',
    description: '请**第一责任人**和直接责任人签收',
    fields: [
      { label: '级别', value: '一般' },
      { label: '来源', value: '微博' },
    ],
    buttons: [
      { key: 'ack', text: '签收', style: 'primary' },
      { key: 'detail', text: '查看详情' },
    ],
  };
}

/**
 * A stand-in for the Bot hub (a leading `@舆情助手` is ignored): `/卡片` → a reply with `ackCard`; `/失败` → throws; any other text →
 * `收到 @{userId}：<text>`. A click on `ack` updates the card in place to "已签收" and replies.
 */
export async function echoSink(e: InboundEvent): Promise<void> {
  if (e.type === 'message') {
    const text = e.text.replace(/^@舆情助手\s*/, '');
    if (text === '/失败') throw new Error('simulated handler failure');
    if (text.startsWith('/卡片')) {
      await e.reply({ text: '新舆情，请签收', card: ackCard(`card-${e.eventId.slice(-12)}`) });
      return;
    }
    await e.reply({ text: `收到 @{${e.userId}}：${e.text}` });
    return;
  }
  if (e.key === 'ack') {
    await e.updateCard({
      id: e.cardId,
      title: '舆情 YQ-20261129-001 已签收',
      fields: [{ label: '签收人', value: e.userName ?? e.userId }],
      buttons: [],
    });
  }
  await e.reply({ text: `@{${e.userId}} 点击了 ${e.key}` });
}
