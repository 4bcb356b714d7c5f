/** For the hand-written RSP servers of the tests: the first complete `$payload#xx` in what arrived. */
export function takePacket(buffer: string): { readonly payload: string; readonly rest: string } | undefined {
  const start = buffer.indexOf('$');
  const end = start >= 0 ? buffer.indexOf('#', start) : -1;
  if (end < 0 || buffer.length < end + 3) return undefined;
  return { payload: buffer.slice(start + 1, end), rest: buffer.slice(end + 3) };
}
