/** How the GDB remote protocol names the watchpoint kinds: in Z/z packets and in stop replies. */
import type { WatchpointKind } from '../target/types.js';

/** The Z/z packet type: Z2 write (GDB's `watch`), Z3 read (`rwatch`), Z4 access (`awatch`). */
export const WATCH_PACKET_TYPE: Readonly<Record<WatchpointKind, string>> = { write: '2', read: '3', access: '4' };
/** The stop-reply field that names a watchpoint hit and its address. */
export const WATCH_STOP_FIELD: Readonly<Record<WatchpointKind, string>> = { write: 'watch', read: 'rwatch', access: 'awatch' };

const kindBy = (names: Readonly<Record<WatchpointKind, string>>): ReadonlyMap<string, WatchpointKind> =>
  new Map(Object.entries(names).map(([kind, name]) => [name, kind as WatchpointKind]));
const BY_PACKET_TYPE = kindBy(WATCH_PACKET_TYPE);
const BY_STOP_FIELD = kindBy(WATCH_STOP_FIELD);

/** The kind a Z/z packet type names ('2', '3', '4'); undefined for breakpoints ('0', '1'). */
export function watchKindOfPacketType(type: string): WatchpointKind | undefined {
  return BY_PACKET_TYPE.get(type);
}

/** The kind a stop-reply field names (watch, rwatch, awatch). */
export function watchKindOfStopField(field: string): WatchpointKind | undefined {
  return BY_STOP_FIELD.get(field);
}
