/**
 * The visibility policy and the responsibility rules as pure functions (issue 7 items 1 and 2;
 * domain.md "A group chat belongs to a unit …", confidentiality 002 / 004 "内外有别").
 */
import { Directory } from '../../../src/domain/Directory.js';
import { effectiveLevel, incidentPeople, responsibleIds, seniority } from '../../../src/domain/responsibility.js';
import { canSee, visibilityScope } from '../../../src/domain/visibility.js';
import { demoConfig } from '../../helpers/app.js';

const dir = new Directory(demoConfig());
const incident = (unitId: string, chatId: string, reporterId = 'chenjing', assigneeIds: string[] = []) => ({
  unitId,
  chatId,
  reporterId,
  assigneeIds,
});

test.each([
  // [viewer, incident, sees]
  [{ kind: 'chat', chatId: 'eldercare' }, incident('eldercare', 'relief'), true], // its unit's, reported elsewhere
  [{ kind: 'chat', chatId: 'relief' }, incident('eldercare', 'relief'), true], // reported there
  [{ kind: 'chat', chatId: 'eldercare' }, incident('relief', 'relief'), false], // another unit's
  [{ kind: 'chat', chatId: 'eldercare' }, incident('relief', 'relief', 'zhaolei'), false], // the chat decides, not who asks
  [{ kind: 'chat', chatId: 'leaders' }, incident('marriage', 'relief'), true], // the leadership group's chat sees all
  [{ kind: 'chat', chatId: 'nope' }, incident('relief', 'relief'), false],
  [{ kind: 'person', personId: 'sunli' }, incident('eldercare', 'relief'), true], // a role in the unit
  [{ kind: 'person', personId: 'sunli' }, incident('relief', 'relief'), false],
  [{ kind: 'person', personId: 'chenjing' }, incident('marriage', 'relief'), true], // office of the parent unit
  [{ kind: 'person', personId: 'xuting' }, incident('relief', 'relief', 'xuting'), true], // the reporter
  [{ kind: 'person', personId: 'xuting' }, incident('relief', 'relief', 'chenjing', ['xuting']), true], // an assignee
  [{ kind: 'person', personId: 'xuting' }, incident('relief', 'relief'), false],
  [{ kind: 'person', personId: 'hegang' }, incident('relief', 'relief'), true], // upper authority
  [{ kind: 'person', personId: null }, incident('relief', 'relief'), false],
  [{ kind: 'unit', unitId: 'bureau' }, incident('eldercare', 'eldercare'), true], // a viewer token of the parent unit
  [{ kind: 'unit', unitId: 'relief' }, incident('eldercare', 'relief'), false],
  [{ kind: 'system' }, incident('relief', 'relief'), true],
] as const)('%j sees %j: %s', (viewer, i, sees) => {
  expect(canSee(dir, viewer, i)).toBe(sees);
});

test('a chat’s scope is its chat and its unit’s subtree; the store filters on exactly this', () => {
  expect(visibilityScope(dir, { kind: 'chat', chatId: 'eldercare' })).toEqual({
    all: false,
    chatIds: ['eldercare'],
    unitIds: ['eldercare'],
    personId: null,
  });
  expect(dir.subtree('bureau').sort()).toEqual(['bureau', 'eldercare', 'marriage', 'relief']);
});

test('responsibility: first- and direct-responsible, then assignees, once each (issue 7 item 2)', () => {
  const people = incidentPeople(dir, { unitId: 'marriage', reporterId: 'xuting' }, ['lihua', 'zhangmin']);
  expect(people).toMatchObject({ reporter: 'xuting', firstResponsible: 'zhouqiang', directResponsible: 'lihua' });
  expect(responsibleIds(people)).toEqual(['zhouqiang', 'lihua', 'zhangmin']);
  expect(effectiveLevel({ confirmedLevel: null, proposedLevel: 'III' })).toBe('III');
  expect(effectiveLevel({ confirmedLevel: 'II', proposedLevel: 'III' })).toBe('II');
  // the ladder's reach rule: upper authority > leader > deputy > first-responsible > direct-responsible > others
  expect(['hegang', 'wangjg', 'lihua', 'liuyang', 'wufang', 'xuting'].map((p) => seniority(dir, 'relief', p))).toEqual([
    6, 5, 4, 3, 2, 1,
  ]);
});
