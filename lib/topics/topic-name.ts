import * as z from 'zod/mini';
import { LIMITS } from '../limits';

/** Kafka's topic name rule: legal characters, a length limit, and not `.` or `..`. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;

export const topicNameSchema = z.string({ error: 'must be a string' }).check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(LIMITS.topicNameMaxLength, { error: `must be at most ${LIMITS.topicNameMaxLength} characters` }),
  z.regex(TOPIC_NAME_PATTERN, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' }),
  z.refine((name) => name !== '.' && name !== '..', { error: 'must not be "." or ".."' }),
);
