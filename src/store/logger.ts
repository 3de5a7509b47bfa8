/**
 * The slice of a pino logger the store uses. A pino `Logger` fits as is; tests may pass a stub.
 * Call shape follows pino: `(obj, msg?)` or `(msg)`.
 */
export type StoreLogFn = (objOrMsg: unknown, msg?: string) => void;

/** Pino-compatible logger (debug/info/warn/error). */
export interface StoreLogger {
  debug: StoreLogFn;
  info: StoreLogFn;
  warn: StoreLogFn;
  error: StoreLogFn;
}

/** A logger that drops everything (the default when none is given). */
export const silentLogger: StoreLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
