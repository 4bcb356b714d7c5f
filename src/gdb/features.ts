/** qSupported replies: `name=value`, `name+`, `name-`, `name?`. */

export interface ServerFeatures {
  /** Largest packet the server accepts (PacketSize, hex in the reply); undefined if not given. */
  readonly packetSize?: number;
  /** Every feature as given: `true` for `+`, `false` for `-`, the value for `name=value`. */
  readonly raw: ReadonlyMap<string, string | boolean>;
}

export function parseSupported(reply: string): ServerFeatures {
  const raw = new Map<string, string | boolean>();
  for (const item of reply.split(';')) {
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq >= 0) raw.set(item.slice(0, eq), item.slice(eq + 1));
    else if (item.endsWith('+')) raw.set(item.slice(0, -1), true);
    else if (item.endsWith('-') || item.endsWith('?')) raw.set(item.slice(0, -1), false);
    else raw.set(item, true);
  }
  const ps = raw.get('PacketSize');
  const packetSize = typeof ps === 'string' && /^[0-9a-fA-F]+$/.test(ps) ? parseInt(ps, 16) : undefined;
  return { ...(packetSize ? { packetSize } : {}), raw };
}

export function hasFeature(features: ServerFeatures, name: string): boolean {
  return features.raw.get(name) === true;
}
