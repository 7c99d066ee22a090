/** What the console shows of a failure: the API's stable code and its message, never a blank. */
export interface ShownError {
  code: string;
  message: string;
  status?: number;
  field?: string;
}

export function shownError(error: unknown): ShownError {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; status?: unknown; details?: { field?: unknown }; name?: unknown };
    if (e.name === 'AbortError') return { code: 'ABORTED', message: 'The request was cancelled.' };
    const code = typeof e.code === 'string' ? e.code : 'CONSOLE_ERROR';
    const message = typeof e.message === 'string' && e.message ? e.message : String(error);
    const shown: ShownError = { code, message };
    if (typeof e.status === 'number') shown.status = e.status;
    if (typeof e.details?.field === 'string') shown.field = e.details.field;
    return shown;
  }
  return { code: 'CONSOLE_ERROR', message: String(error) };
}
