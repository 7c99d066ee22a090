import * as z from 'zod';
import { LIMITS } from '../limits';

/** Kafka's topic name rule: legal characters, a length limit, and not `.` or `..`. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;

export const topicNameSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(LIMITS.topicNameMaxLength, { error: `must be at most ${LIMITS.topicNameMaxLength} characters` })
  .regex(TOPIC_NAME_PATTERN, { error: 'may contain only ASCII letters, digits, ".", "_" and "-"' })
  .refine((name) => name !== '.' && name !== '..', { error: 'must not be "." or ".."' });
