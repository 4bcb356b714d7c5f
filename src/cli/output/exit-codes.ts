/** Exit codes shared by the image commands. */
export const EXIT_OK = 0;
/** The analysis ran and found a problem (an error-severity finding, or a failed verification). */
export const EXIT_PROBLEM = 1;
/** Bad input: unreadable file, not an image, bad option. */
export const EXIT_BAD_INPUT = 2;
/** Stopped by Ctrl-C (128 + SIGINT, as shells report it), after giving the target back. */
export const EXIT_INTERRUPTED = 130;

/** A problem with what the user gave us; printed as one line and exit code 2. */
export class CliInputError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CliInputError';
    this.code = code;
  }
}
