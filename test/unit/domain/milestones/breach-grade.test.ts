import { gradeBreach } from '../../../../src/domain/milestones/index.js';

describe('breach grading (000 L2: 轻微违约 / 重大违约)', () => {
  test('a missed deadline without serious result is minor, and minor is the default', () => {
    expect(gradeBreach()).toBe('minor');
    expect(gradeBreach({ concealment: false, seriousResult: false })).toBe('minor');
  });

  test('a serious result makes it major', () => {
    expect(gradeBreach({ seriousResult: true })).toBe('major');
  });

  test('any concealment or deceit makes it major, even without a serious result', () => {
    expect(gradeBreach({ concealment: true })).toBe('major');
    expect(gradeBreach({ deceit: true })).toBe('major');
  });
});
