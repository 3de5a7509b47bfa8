/** Field shapes shared by the config's schema files. */
import { z } from 'zod';

/** `HH:mm`, 00:00–23:59 (24:00 allowed as an end of day). */
export const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:mm between 00:00 and 24:00');
export const id = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.-]+$/, 'only letters, digits, "_", "-" and "." are allowed');
