/**
 * Breach grading (domain.md "Assessment", 000 L2): missing a deadline, method or content without
 * serious result is minor (轻微违约); with a serious result, or any concealment or deceit, it is
 * major (重大违约). A breach is recorded minor and may be re-graded by a privileged person.
 */

/** Grade of a breach (`Breach.grade`). */
export type BreachGrade = 'minor' | 'major';

/** Facts that decide the grade; absent means false. */
export interface BreachFacts {
  /** Concealment (瞒报) of the matter. */
  concealment?: boolean;
  /** Deceit (欺骗, false reporting). */
  deceit?: boolean;
  /** The miss had a serious result. */
  seriousResult?: boolean;
}

/** `major` if there was concealment, deceit or a serious result; otherwise `minor` (000 L2). */
export function gradeBreach(facts: BreachFacts = {}): BreachGrade {
  return facts.concealment || facts.deceit || facts.seriousResult ? 'major' : 'minor';
}
