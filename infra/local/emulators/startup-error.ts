/** A problem that stops the local platform from starting, with a message for people. */
export class StartupError extends Error {
  readonly code = 'STARTUP_FAILED';
  readonly retriable = false;
}
