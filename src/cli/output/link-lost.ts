/**
 * The link to a target dropped while espalgo had borrowed it (a stub loaded, its RAM backed up, the
 * CPU halted): say so, with what could not be given back and what to do, instead of a bare
 * "connection lost" or a failed clean-up.
 */
import { hex32 } from '../../chips/types.js';
import { WorkAreaError } from '../../algorithm/errors.js';
import { TargetDisconnectedError, TargetError } from '../../target/errors.js';

/** The dropped link behind `error` (itself, or the cause of a failed call or clean-up), if that is what it is. */
function linkDrop(error: unknown): TargetDisconnectedError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof TargetDisconnectedError) return e;
  return undefined;
}

/** The error, or the error behind a failed call or clean-up, is the link dropping. */
export function isLinkLost(error: unknown): boolean {
  return linkDrop(error) !== undefined;
}

/**
 * The command's error when the link dropped: `error` (the operation's, or the clean-up's when the
 * operation had finished), `cleanup` (the clean-up's failure, which tells what RAM was not written
 * back), and how to finish the job (`rerun`, e.g. "run the same write again: …").
 */
export function linkLostError(error: unknown, cleanup: unknown, rerun: string): TargetError {
  const drop = linkDrop(error) ?? linkDrop(cleanup);
  const what = drop ? drop.message.replace(/; reconnect to continue$/, '') : String((error as Error)?.message ?? error);
  const ram = cleanup instanceof WorkAreaError && cleanup.size
    ? `the ${cleanup.size} bytes of RAM it borrowed${cleanup.address !== undefined ? ` (from ${hex32(cleanup.address)})` : ''} were not written back`
    : 'the RAM and registers it borrowed may not have been written back';
  return new TargetError(
    drop?.code ?? 'TARGET_DISCONNECTED',
    `${what}. espalgo had the target when the link dropped: ${ram}, and the CPU may be halted or still running espalgo's code. Reset the chip before relying on its program, then ${rerun}`,
    { cause: error },
  );
}

/** `error` explained by linkLostError when it or `cleanup` is the link dropping; otherwise `error` as it is. */
export function explainLinkLost(error: unknown, cleanup: unknown, rerun: string): unknown {
  return isLinkLost(error) || isLinkLost(cleanup) ? linkLostError(error, cleanup, rerun) : error;
}
