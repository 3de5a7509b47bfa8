import { resolveLadderTarget, type EscalationContacts } from '../../../../src/domain/milestones/index.js';
import { config } from './fixtures.js';

/** The demo bureau: 王建国 first, 李华 direct; leadership chat `leaders`; upper authority 县委网信办 (hegang). */
const contacts: EscalationContacts = {
  ownerIds: ['zhangmin', 'chenjing'],
  firstResponsible: 'wangjg',
  directResponsible: 'lihua',
  incidentChatId: 'relief',
  leadershipGroup: config.leadershipGroup,
  upperAuthority: config.upperAuthority,
};

describe('ladder targets (domain.md: owner → direct-responsible → first-responsible → leadership group → upper authority)', () => {
  test('owner, direct- and first-responsible are mentioned in the incident chat', () => {
    expect(resolveLadderTarget('owner', contacts)).toEqual({
      target: 'owner',
      audience: 'incident',
      chatId: 'relief',
      mentions: ['zhangmin', 'chenjing'],
      directTo: [],
    });
    expect(resolveLadderTarget('directResponsible', contacts)).toMatchObject({ chatId: 'relief', mentions: ['lihua'] });
    expect(resolveLadderTarget('firstResponsible', contacts)).toMatchObject({ chatId: 'relief', mentions: ['wangjg'] });
  });

  test('an owner-less milestone chases the direct-responsible person', () => {
    expect(resolveLadderTarget('owner', { ...contacts, ownerIds: [] }).mentions).toEqual(['lihua']);
  });

  test('the leadership group is told in its own chat, mentioning the leader and deputies', () => {
    expect(resolveLadderTarget('leadershipGroup', contacts)).toEqual({
      target: 'leadershipGroup',
      audience: 'leadershipGroup',
      chatId: 'leaders',
      mentions: ['wangjg', 'lihua'],
      directTo: [],
    });
  });

  test('without a leadership chat the group is told in the incident chat', () => {
    const noChat = { ...contacts, leadershipGroup: { leader: 'wangjg', deputies: ['lihua'] } };
    expect(resolveLadderTarget('leadershipGroup', noChat).chatId).toBe('relief');
  });

  test('the upper authority (逐级报告) gets 1:1 messages to its configured contacts, no chat', () => {
    expect(resolveLadderTarget('upperAuthority', contacts)).toEqual({
      target: 'upperAuthority',
      audience: 'upperAuthority',
      chatId: null,
      mentions: ['hegang'],
      directTo: ['hegang'],
    });
  });

  test('with no upper-authority contacts configured it falls back to the leadership group, marked as a fallback', () => {
    expect(resolveLadderTarget('upperAuthority', { ...contacts, upperAuthority: { contacts: [] } })).toEqual({
      target: 'leadershipGroup',
      audience: 'leadershipGroup',
      chatId: 'leaders',
      mentions: ['wangjg', 'lihua'],
      directTo: [],
      fellBackFrom: 'upperAuthority',
    });
  });
});
