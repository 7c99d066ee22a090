import type { SubscriptionRequest } from '../../client/index';

/** The create-subscription form as filled in: strings as inputs give them; an empty number is the server's default. */
export interface SubscriptionForm {
  group: string;
  topic: string;
  targetType: 'https' | 'lambda';
  /** The URL or the function ARN. */
  target: string;
  batchSize: string;
  batchingWindowMs: string;
  retryAttempts: string;
  maxRecordAgeSeconds: string;
  bisectOnError: boolean;
  deadLetterTopic: string;
  resetPolicy: 'earliest' | 'latest';
}

export const EMPTY_SUBSCRIPTION_FORM: SubscriptionForm = {
  group: '',
  topic: '',
  targetType: 'https',
  target: '',
  batchSize: '',
  batchingWindowMs: '',
  retryAttempts: '',
  maxRecordAgeSeconds: '',
  bisectOnError: true,
  deadLetterTopic: '',
  resetPolicy: 'latest',
};

export type SubscriptionFormResult = { ok: true; group: string; request: SubscriptionRequest } | { ok: false; field: keyof SubscriptionForm; message: string };

const NUMBERS = ['batchSize', 'batchingWindowMs', 'retryAttempts', 'maxRecordAgeSeconds'] as const;

/**
 * The PUT body the form asks for, or the first field that is not filled in or not a whole
 * number. Ranges are the API's to check: its 400 names the field and the limit.
 */
export function subscriptionRequest(form: SubscriptionForm): SubscriptionFormResult {
  const group = form.group.trim();
  if (!group) return { ok: false, field: 'group', message: 'Name the group that will deliver.' };
  if (!form.topic) return { ok: false, field: 'topic', message: 'Choose a topic.' };
  const target = form.target.trim();
  if (!target) return { ok: false, field: 'target', message: form.targetType === 'https' ? 'Give the URL to deliver to.' : 'Give the Lambda function ARN.' };
  const request: SubscriptionRequest = {
    topic: form.topic,
    target: form.targetType === 'https' ? { type: 'https', url: target } : { type: 'lambda', functionArn: target },
    bisectOnError: form.bisectOnError,
    resetPolicy: form.resetPolicy,
  };
  for (const field of NUMBERS) {
    const text = form[field].trim();
    if (text === '') continue;
    if (!/^-?\d+$/.test(text)) return { ok: false, field, message: `${field} must be a whole number.` };
    request[field] = Number(text);
  }
  if (form.deadLetterTopic.trim()) request.deadLetterTopic = form.deadLetterTopic.trim();
  return { ok: true, group, request };
}
