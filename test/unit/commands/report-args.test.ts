import { parseFoundAt, parseReportArgs } from '../../../src/commands/report.js';
import { loadOrgConfig } from '../../../src/config/load.js';
import { Directory } from '../../../src/domain/Directory.js';
import { UsageError } from '../../../src/errors.js';

const dir = new Directory(loadOrgConfig('config/default.yaml'));
const now = new Date('2026-11-29T02:00:00Z'); // 10:00 Asia/Shanghai
const args = (s: string) => parseReportArgs(s, dir, now);

describe('/上报 arguments', () => {
  test('reads description, link, trailing level and #unit', () => {
    expect(args('某论坛 发帖 https://bbs.cn/1 二级 #养老服务中心')).toEqual({
      description: '某论坛 发帖',
      sourceUrl: 'https://bbs.cn/1',
      level: 'II',
      unitId: 'eldercare',
    });
  });
  test('a level word inside the description stays text; only trailing options count', () => {
    expect(args('一般 网民 质疑').level).toBeUndefined();
    expect(args('一般 网民 质疑').description).toBe('一般 网民 质疑');
  });
  test('aliases of the four-level scheme resolve (domain.md "Severity levels": I–IV and colours)', () => {
    expect(args('帖子 红').level).toBe('I');
    expect(args('帖子 IV').level).toBe('IV');
    expect(args('帖子 级别:黄色').level).toBe('III');
  });
  test('the description keeps the text as typed: line breaks, spacing and quotes (domain.md "Ledger": record what was reported)', () => {
    const a = args('“低保审核不公”帖子   多个空格 https://bbs.cn/2\n第二行 「原文」 三级');
    expect(a.description).toBe('“低保审核不公”帖子   多个空格\n第二行 「原文」');
    expect(a).toMatchObject({ sourceUrl: 'https://bbs.cn/2', level: 'III' });
  });
  test('source type and discovery time (domain.md "Intake": record source type and when it was found)', () => {
    const a = args('帖子 上级交办 发现:09:30');
    expect(a.sourceType).toBe('assigned');
    expect(a.foundAt?.toISOString()).toBe('2026-11-29T01:30:00.000Z');
    expect(parseFoundAt('昨天23:00', 'Asia/Shanghai', now).toISOString()).toBe('2026-11-28T15:00:00.000Z');
    // later than now is refused, not taken as yesterday (a typo would backdate it and breach at once)
    expect(() => parseFoundAt('23:00', 'Asia/Shanghai', now)).toThrow('晚于现在');
    expect(() => parseFoundAt('23:00', 'Asia/Shanghai', now)).toThrow('发现:昨天23:00');
  });
  test('two different levels are asked back, not the lower one taken with the other left in the text', () => {
    expect(() => args('测试 一级 四级')).toThrow('写了两个级别（特别重大、影响较小），请只保留一个');
    expect(() => args('测试 级别:一级 四级')).toThrow('写了两个级别');
    // a bare number before the level is text ("截图 2 三级"), as before
    expect(args('并发审批测试 1 三级')).toMatchObject({ description: '并发审批测试 1', level: 'III' });
    // the same level twice: the earlier word stays text, as before
    expect(args('影响 较小 四级')).toMatchObject({ description: '影响 较小', level: 'IV' });
  });
  test('bad input is a UsageError naming the problem', () => {
    expect(() => parseReportArgs('', dir, now)).toThrow(UsageError);
    expect(() => args('帖子 #火星办')).toThrow('未知的单位：火星办');
    expect(() => args('帖子 级别:九级')).toThrow('未知的级别：九级');
    expect(() => args('帖子 发现:25:00')).toThrow('发现时间格式应为 HH:mm');
    expect(() => args('帖子 类别:')).toThrow('缺少内容');
    expect(() => parseReportArgs('长'.repeat(2001), dir, now)).toThrow('过长');
  });
});

describe('mentions in /上报 (issue 10 item 9)', () => {
  test('a trailing mention after the options neither becomes description text nor hides the options', () => {
    expect(args('尾部提及测试 https://a.example/x 一级 @刘洋')).toEqual({
      description: '尾部提及测试',
      sourceUrl: 'https://a.example/x',
      level: 'I',
      cc: ['liuyang'],
    });
  });
  test('mentions anywhere are cut out (full-width ＠ too); options around them still count; unknown names are dropped', () => {
    const a = args('@张敏 网传低保 ＠吴芳 名单造假 @不存在的人 二级 @刘洋 #社会救助股');
    expect(a).toMatchObject({ description: '网传低保 名单造假', level: 'II', unitId: 'relief' });
    expect(a.cc).toEqual(['zhangmin', 'wufang', 'liuyang']);
  });
  test('an @ inside a word is text (an e-mail address, “请@某人”)', () => {
    expect(args('来信 a@b.cn 反映问题').description).toBe('来信 a@b.cn 反映问题');
  });
});
