import {
  businessDateCompact,
  businessFormatter,
  formatBusiness,
  fromWallTime,
  wallTime,
} from '../../../src/domain/business-time.js';

describe('business time (times stored in UTC, shown in Asia/Shanghai; never the machine zone)', () => {
  test('the business date of 23:30 UTC is the next day in Shanghai', () => {
    expect(businessDateCompact(new Date('2026-11-28T16:30:00Z'), 'Asia/Shanghai')).toBe('20261129');
    expect(businessDateCompact(new Date('2026-11-28T15:59:59Z'), 'Asia/Shanghai')).toBe('20261128');
  });
  test('wall time round-trips, also in a DST zone', () => {
    expect(fromWallTime({ year: 2026, month: 11, day: 29, hour: 17, minute: 30 }, 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-29T09:30:00.000Z',
    );
    expect(fromWallTime({ year: 2026, month: 7, day: 1, hour: 12, minute: 0 }, 'Europe/Berlin').toISOString()).toBe(
      '2026-07-01T10:00:00.000Z',
    );
    expect(formatBusiness(new Date('2026-11-29T09:30:00Z'), 'Asia/Shanghai')).toBe('2026-11-29 17:30');
    expect(wallTime(new Date('2026-11-29T16:05:09Z'), 'Asia/Shanghai')).toEqual({
      year: 2026,
      month: 11,
      day: 30,
      hour: 0,
      minute: 5,
      second: 9,
    });
  });
});

describe('incident titles', () => {
  test('the first sentence, cut at 40 characters but never inside a number', async () => {
    const { titleOf } = await import('../../../src/domain/messages.js');
    expect(titleOf('网传救助站拒收流浪人员。详情见链接')).toBe('网传救助站拒收流浪人员');
    const long = '某论坛出现“低保审核不公、优亲厚友”的帖子，有网民称两小时内被转发超过1234567次并引发热议';
    const t = titleOf(long);
    expect(t.endsWith('…')).toBe(true);
    expect(t).not.toMatch(/\d…$/);
  });
});

test('businessFormatter gives what formatBusiness gives, across a year and daylight-saving changes (issue 11 item 3: the export formats in business time)', () => {
  for (const tz of ['Asia/Shanghai', 'Europe/London', 'America/New_York', 'Asia/Kathmandu']) {
    const fast = businessFormatter(tz);
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * 3_600_000 + 13 * 60_000 + 7_000) {
      const at = new Date(t);
      if (fast(at) !== formatBusiness(at, tz))
        throw new Error(`${tz} ${at.toISOString()}: ${fast(at)} ≠ ${formatBusiness(at, tz)}`);
    }
    expect(fast(new Date('2026-03-29T01:00:00Z'))).toBe(formatBusiness(new Date('2026-03-29T01:00:00Z'), tz));
  }
});
