import { WardenError } from '../protocol/errors.js';

/**
 * mTLS principals as Kafka forms them: the subject DN of the client certificate in RFC 2253 form
 * (as Java's X500Principal.getName(RFC2253) prints it), then ssl.principal.mapping.rules.
 */

// ---------------------------------------------------------------------------------------------
// A minimal DER reader: just enough to walk to a certificate's subject Name.

interface Tlv {
  tag: number;
  start: number; // start of the value
  end: number;
  headerStart: number;
}

function readTlv(buf: Buffer, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new WardenError('WARDEN_ERR_CERT', 'truncated DER');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new WardenError('WARDEN_ERR_CERT', 'bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new WardenError('WARDEN_ERR_CERT', 'DER value exceeds its container');
  return { tag, start: p, end: p + len, headerStart: pos };
}

function children(buf: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = t.start;
  while (p < t.end) {
    const c = readTlv(buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

function oidString(buf: Buffer, t: Tlv): string {
  const b = buf.subarray(t.start, t.end);
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** RFC 2253 keywords Java's X500Principal uses for RFC2253 output. */
const KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

function decodeString(buf: Buffer, t: Tlv): string | null {
  const b = buf.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return b.toString('utf8');
    case 0x14: // TeletexString
      return b.toString('latin1');
    case 0x1e: {
      // BMPString: UTF-16BE
      const s = Buffer.from(b);
      s.swap16();
      return s.toString('utf16le');
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      let out = '';
      for (let i = 0; i + 3 < b.length; i += 4) out += String.fromCodePoint(b.readUInt32BE(i));
      return out;
    }
    default:
      return null;
  }
}

/** Escapes an attribute value as RFC 2253 (and Java) do. */
function escapeValue(v: string): string {
  let out = v.replace(/[\\,+"<>;]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The subject DN of a DER certificate, RFC 2253 form: RDNs in reverse order, ',' between them. */
export function subjectDn(certDer: Buffer): string {
  const cert = readTlv(certDer, 0);
  const tbs = children(certDer, cert)[0];
  if (tbs === undefined) throw new WardenError('WARDEN_ERR_CERT', 'certificate has no tbsCertificate');
  const fields = children(certDer, tbs);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++; // [0] version
  // serial, signature algorithm, issuer, validity, subject
  const subject = fields[i + 4];
  if (subject === undefined || subject.tag !== 0x30)
    throw new WardenError('WARDEN_ERR_CERT', 'certificate has no subject');
  const rdns = children(certDer, subject).map((set) =>
    children(certDer, set)
      .map((atv) => {
        const [oid, value] = children(certDer, atv);
        if (oid === undefined || value === undefined)
          throw new WardenError('WARDEN_ERR_CERT', 'bad attribute in subject');
        const id = oidString(certDer, oid);
        const keyword = KEYWORDS[id];
        const text = keyword !== undefined ? decodeString(certDer, value) : null;
        if (keyword !== undefined && text !== null) return `${keyword}=${escapeValue(text)}`;
        return `${id}=#${certDer.subarray(value.headerStart, value.end).toString('hex')}`;
      })
      .join('+'),
  );
  return rdns.reverse().join(',');
}

// ---------------------------------------------------------------------------------------------
// ssl.principal.mapping.rules

interface Rule {
  isDefault: boolean;
  pattern?: RegExp;
  full?: RegExp;
  replacement?: string;
  toLower?: boolean;
  toUpper?: boolean;
}

/** Kafka's rule syntax: DEFAULT | RULE:pattern/replacement/[L|U], comma separated. */
const RULE = /\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?).*?|(.*?))\s*(?:,\s*|$)/y;

/** Maps TLS subject DNs to principal names with Kafka's ssl.principal.mapping.rules semantics. */
export class PrincipalMapper {
  private readonly rules: Rule[];

  constructor(rules = 'DEFAULT') {
    this.rules = PrincipalMapper.parse(rules);
  }

  static parse(text: string): Rule[] {
    const rules: Rule[] = [];
    const src = text.trim();
    if (src === '') return [{ isDefault: true }];
    RULE.lastIndex = 0;
    while (RULE.lastIndex < src.length) {
      const at = RULE.lastIndex;
      const m = RULE.exec(src);
      if (m === null || RULE.lastIndex === at)
        throw new WardenError('WARDEN_ERR_CONFIG', `invalid principal mapping rule at "${src.slice(at)}"`);
      if (m[1] !== undefined) rules.push({ isDefault: true });
      else if (m[2] !== undefined) {
        // Java's replaceAll: $n group references; a backslash escapes the next character.
        const replacement = m[3]!.replace(/\\(.)/g, '$1');
        let pattern: RegExp;
        try {
          pattern = new RegExp(m[2], 'g');
        } catch {
          throw new WardenError('WARDEN_ERR_CONFIG', `invalid principal mapping pattern "${m[2]}"`);
        }
        rules.push({
          isDefault: false,
          pattern,
          full: new RegExp(`^(?:${m[2]})$`),
          replacement,
          toLower: m[4] === 'L',
          toUpper: m[4] === 'U',
        });
      } else if (m[5] !== undefined && m[5] !== '')
        throw new WardenError('WARDEN_ERR_CONFIG', `invalid principal mapping rule "${m[5]}"`);
    }
    return rules;
  }

  /** The principal name for a DN, or null when no rule matches (authentication then fails). */
  map(dn: string): string | null {
    for (const r of this.rules) {
      if (r.isDefault) return dn;
      if (!r.full!.test(dn)) continue;
      r.pattern!.lastIndex = 0;
      let out = dn.replace(r.pattern!, r.replacement!);
      if (r.toLower) out = out.toLowerCase();
      else if (r.toUpper) out = out.toUpperCase();
      return out;
    }
    return null;
  }
}
