/** Just enough XML for target descriptions and memory maps: elements, attributes, text. No DTDs. */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ent: string) => {
    if (ent.startsWith('#x')) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    if (ent.startsWith('#')) return String.fromCodePoint(parseInt(ent.slice(1), 10));
    return ENTITIES[ent] ?? whole;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Building {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Parse a document into its root element; throws Error with a short reason on malformed input. */
export function parseXml(source: string): XmlElement {
  const root: Building = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: Building[] = [root];
  const tag = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const top = stack[stack.length - 1]!;
    top.text += unescapeXml(source.slice(last, m.index));
    last = tag.lastIndex;
    if (m[1] !== undefined) {
      top.text += m[1];
      continue;
    }
    const name = m[3];
    if (!name) continue; // comment, declaration
    if (m[2] === '/') {
      if (stack.length <= 1 || top.name !== name) throw new Error(`unexpected </${name}>`);
      stack.pop();
      const parent = stack[stack.length - 1]!;
      parent.children.push(freeze(top));
      continue;
    }
    const attributes: Record<string, string> = {};
    const attr = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
    for (let a = attr.exec(m[4] ?? ''); a; a = attr.exec(m[4] ?? '')) attributes[a[1]!] = unescapeXml(a[2] ?? a[3] ?? '');
    const element: Building = { name, attributes, children: [], text: '' };
    if (m[5] === '/') top.children.push(freeze(element));
    else stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  const first = root.children[0];
  if (!first) throw new Error('no root element');
  return first;
}

function freeze(b: Building): XmlElement {
  return { name: b.name, attributes: b.attributes, children: b.children, text: b.text.trim() };
}

/** Parse a number written in decimal or 0x-hex; undefined if neither. */
export function parseXmlNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^\d+$/.test(t)) return parseInt(t, 10);
  return undefined;
}
