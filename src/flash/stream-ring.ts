/**
 * Where a stream write's ring lies and how big its pieces are.
 *
 * The host fills the ring a piece at a time and announces each piece through host_written, the
 * first word of the control block. Where the ring ends right at the control block, the piece that
 * ends the ring carries host_written in the same memory write. Pieces are sized in whole link
 * transfers (with room for the escapes a binary write adds): a piece of just over two transfers
 * would cost a third, nearly empty one.
 */

/** Ring pieces per ring: up to this many are in flight at once. */
export const PIECES_PER_RING = 2;
/**
 * Share of a link transfer left free for escaped bytes (an RSP `X` packet escapes 4 of 256 byte
 * values, so random data needs 1/64; twice that here).
 */
const ESCAPE_ALLOWANCE = 1 / 32;

export interface StreamRing {
  /** Ring address and size in bytes (a multiple of 4). */
  readonly address: number;
  readonly size: number;
  /** Bytes per piece (a multiple of 4, at least 4). */
  readonly piece: number;
}

/**
 * How long the link should take to fill the ring, at most: on a fast link (a GDB server on the same
 * machine) the ring is a buffer the simulated CPU drains in bursts, and its largest size streams
 * fastest; on a slow one (OpenOCD's JTAG) every byte of ring costs two more on the link (backed up,
 * then written back at the close), while a quarter second of it (~16 KiB there) streams as fast as
 * the whole scratch buffer (a ring of a tenth of a second measured 5–6 % slower).
 */
export const RING_FILL_MS = 250;
/** The smallest ring a link's speed alone makes (two 2 KiB pieces). */
export const MIN_LINK_RING = 0x1000;

/** The largest ring worth borrowing on a link that moves `bytesPerMs` (Infinity in process). */
export function ringLimitForLink(bytesPerMs: number): number {
  return Math.max(MIN_LINK_RING, Math.floor(bytesPerMs * RING_FILL_MS));
}

/**
 * The ring inside [start, end): it ends at `end` (where the control block is when they share the
 * stub's scratch buffer). Without an explicit `size`, the ring is PIECES_PER_RING pieces of as many
 * whole transfers of `maxTransfer` bytes as fit, but no larger than `atMost` (rounded up to a word,
 * at least 8): the stream's length when known, so a short write borrows only the RAM it needs, or
 * what a slow link fills in RING_FILL_MS. With a `size`, the ring is that size. A ring of an exact
 * size is split in equal pieces.
 */
export function planStreamRing(start: number, end: number, maxTransfer: number, size?: number, atMost?: number): StreamRing {
  const room = (end - start) & ~3;
  const exactly = (bytes: number): StreamRing => {
    const exact = Math.min(bytes, room) & ~3;
    return { address: end - exact, size: exact, piece: Math.max(4, Math.floor(exact / PIECES_PER_RING) & ~3) };
  };
  if (size !== undefined) return exactly(size);
  const half = Math.floor(room / PIECES_PER_RING) & ~3;
  const perTransfer = Math.floor(maxTransfer * (1 - ESCAPE_ALLOWANCE)) & ~3;
  const transfers = perTransfer >= 4 ? Math.floor(half / perTransfer) : 0;
  const piece = transfers * perTransfer;
  const ring: StreamRing = transfers < 1 ? { address: end - room, size: room, piece: Math.max(4, half) } : { address: end - piece * PIECES_PER_RING, size: piece * PIECES_PER_RING, piece };
  const needed = atMost === undefined || atMost === Infinity ? Infinity : Math.max(8, (atMost + 3) & ~3);
  return needed < ring.size ? exactly(needed) : ring;
}
