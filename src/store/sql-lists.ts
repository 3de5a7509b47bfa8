/** SQL fragments for lists of values of any length. */
import { sql } from 'kysely';

/**
 * `ANY($1::text[])`, for `.where(column, '=', anyText(ids))`: the whole list is one bind parameter,
 * where an `IN ($1, $2, …)` list fails beyond PostgreSQL's 65,535 parameters per statement (a
 * report window at province scale can hold more incidents). An empty list matches nothing.
 */
export function anyText(ids: readonly string[]) {
  return sql<string>`ANY(${[...ids]}::text[])`;
}
