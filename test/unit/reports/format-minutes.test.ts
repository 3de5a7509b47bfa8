/** Durations as the chat reports (rollup, 考核, upward drafts) write them. */
import { formatMinutes } from '../../../src/reports/figures.js';

test('formatMinutes: under a minute is 不足1分, not 0分; minutes, hours and days round to whole minutes', () => {
  expect(formatMinutes(0.1)).toBe('不足1分');
  expect(formatMinutes(0)).toBe('0分');
  expect(formatMinutes(35.4)).toBe('35分');
  expect(formatMinutes(125)).toBe('2小时5分');
  expect(formatMinutes(119.6)).toBe('2小时');
  expect(formatMinutes(1620)).toBe('1天3小时');
});
