// Which addresses an outbound call may not reach, and the EGRESS_ALLOW entries that lift that.
// Classification is ipaddr.js's range table (RFC 6890 and friends), read deny-by-default: only
// addresses it calls global `unicast` are public. IPv6 forms that carry an IPv4 address
// (IPv4-mapped, -translated, -compatible, NAT64, 6to4) are judged by the address they carry, so
// `::ffff:10.0.0.1` is exactly as private as `10.0.0.1`.

import ipaddr from 'ipaddr.js';
import { EgressConfigError, type EgressRule } from './errors.ts';

/** A parsed IPv4 or IPv6 address. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address is not public. */
export interface AddressVerdict {
  rule: EgressRule;
  reason: string;
}

const V4_RULES: Record<string, AddressVerdict> = {
  unspecified: { rule: 'unspecified', reason: 'unspecified address (0.0.0.0/8)' },
  broadcast: { rule: 'broadcast', reason: 'broadcast address (255.255.255.255)' },
  multicast: { rule: 'multicast', reason: 'multicast address (224.0.0.0/4)' },
  linkLocal: { rule: 'link-local', reason: 'link-local / cloud metadata address (169.254.0.0/16)' },
  loopback: { rule: 'loopback', reason: 'loopback address (127.0.0.0/8)' },
  carrierGradeNat: { rule: 'carrier-grade-nat', reason: 'carrier-grade NAT address (100.64.0.0/10)' },
  private: { rule: 'private', reason: 'private address (RFC 1918)' },
};

const V6_RULES: Record<string, AddressVerdict> = {
  unspecified: { rule: 'unspecified', reason: 'unspecified address (::)' },
  loopback: { rule: 'loopback', reason: 'loopback address (::1)' },
  linkLocal: { rule: 'link-local', reason: 'link-local address (fe80::/10)' },
  multicast: { rule: 'multicast', reason: 'multicast address (ff00::/8)' },
  uniqueLocal: { rule: 'unique-local', reason: 'unique-local address (fc00::/7)' },
  deprecatedSiteLocal: { rule: 'site-local', reason: 'site-local address (fec0::/10)' },
  teredo: { rule: 'teredo', reason: 'Teredo tunnel address (2001::/32)' },
};

const RESERVED: AddressVerdict = { rule: 'reserved', reason: 'reserved or special-purpose address' };

/**
 * Metadata services at addresses the ranges alone would not catch, or would describe less
 * plainly: Azure's WireServer (a public address), Alibaba Cloud's (carrier-grade NAT), AWS's
 * IPv6 one (unique-local).
 */
const METADATA_ADDRESSES = new Set(['168.63.129.16', '100.100.100.200', 'fd00:ec2::254']);
const METADATA: AddressVerdict = { rule: 'metadata', reason: 'cloud metadata address' };

/** Parses an address as written in a URL host (brackets allowed) or a DNS answer; null if it is none. */
export function parseAddress(text: string): IpAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return null;
}

/** The IPv4 address an IPv6 address carries, and the form it is carried in, if any. */
function embeddedV4(address: ipaddr.IPv6): { v4: ipaddr.IPv4; rule: EgressRule; form: string } | null {
  const p = address.parts;
  const last32 = (): ipaddr.IPv4 => new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped':
      return { v4: address.toIPv4Address(), rule: 'ipv4-mapped', form: 'IPv4-mapped IPv6 (::ffff:0:0/96)' };
    case 'rfc6145':
      return { v4: last32(), rule: 'ipv4-mapped', form: 'IPv4-translated IPv6 (::ffff:0:0:0/96)' };
    case 'rfc6052':
      return { v4: last32(), rule: 'ipv4-embedded', form: 'NAT64 (64:ff9b::/96)' };
    case '6to4':
      return { v4: new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]), rule: 'ipv4-embedded', form: '6to4 (2002::/16)' };
    default:
      // ::a.b.c.d, deprecated by RFC 4291; :: and ::1 have ranges of their own.
      if (p.slice(0, 6).every((part) => part === 0) && address.range() === 'unicast') {
        return { v4: last32(), rule: 'ipv4-compatible', form: 'IPv4-compatible IPv6 (::/96)' };
      }
      return null;
  }
}

/** Why an IPv4 address is not public, or null when it is. */
function classifyV4(address: ipaddr.IPv4): AddressVerdict | null {
  if (METADATA_ADDRESSES.has(address.toString())) return METADATA;
  const range = address.range();
  if (range === 'unicast') return null;
  return V4_RULES[range] ?? RESERVED;
}

/**
 * Why an address may not be called, or null when it is a public (global unicast) one. IPv6
 * forms carrying an IPv4 address are refused when that address is, under their own rule
 * (`ipv4-mapped`, `ipv4-compatible`, `ipv4-embedded`), with the carried address's reason.
 */
export function classifyAddress(address: IpAddress): AddressVerdict | null {
  if (address.kind() === 'ipv4') return classifyV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  // toString() is the compact form the set holds.
  if (METADATA_ADDRESSES.has(v6.toString())) return METADATA;
  const embedded = embeddedV4(v6);
  if (embedded) {
    const inner = classifyV4(embedded.v4);
    return inner === null ? null : { rule: embedded.rule, reason: `${embedded.form} form of a ${inner.reason}` };
  }
  const range = v6.range();
  if (range === 'unicast') return null;
  return V6_RULES[range] ?? RESERVED;
}

/** EGRESS_ALLOW, parsed. */
export interface AllowList {
  /** The keyword `loopback`: 127.0.0.0/8, ::1 (and IPv6 forms carrying 127/8), and the names `localhost` / `*.localhost`. */
  loopback: boolean;
  /** Host names allowed whatever they resolve to: lower-case, without a trailing dot. */
  hosts: ReadonlySet<string>;
  /** Addresses and CIDRs; a bare address is a /32 or /128. */
  ranges: readonly [IpAddress, number][];
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** A host name as EGRESS_ALLOW and the policy compare it: lower-case, brackets and a trailing dot dropped. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

/**
 * Parses EGRESS_ALLOW's entries. Each is one of:
 * - `loopback`: the loopback addresses (127.0.0.0/8, ::1) and the names `localhost` and `*.localhost`;
 * - an IP address (`10.1.2.3`, `fd00::1`, `[fd00::1]`): that address;
 * - a CIDR (`10.0.0.0/8`, `fd00::/8`): every address in it;
 * - a host name (`billing.internal`): that exact name (case-insensitive, no wildcards), whatever it resolves to.
 * Anything else (a URL, a port, `127.1`) throws an {@link EgressConfigError} naming the entry.
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  let loopback = false;
  const hosts = new Set<string>();
  const ranges: [IpAddress, number][] = [];
  for (const raw of entries) {
    const entry = normalizeHost(raw.trim());
    if (entry === 'loopback') {
      loopback = true;
      continue;
    }
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const base = parseAddress(entry.slice(0, slash));
      const bits = entry.slice(slash + 1);
      const max = base?.kind() === 'ipv4' ? 32 : 128;
      if (!base || !/^\d{1,3}$/.test(bits) || Number(bits) > max) throw new EgressConfigError(raw);
      ranges.push([base, Number(bits)]);
      continue;
    }
    const address = parseAddress(entry);
    if (address) ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    // All-numeric names would never match a URL's host, which the URL parser turns into an address.
    else if (HOST_NAME.test(entry) && !/^[\d.]+$/.test(entry)) hosts.add(entry);
    else throw new EgressConfigError(raw);
  }
  return { loopback, hosts, ranges };
}

function inRanges(address: IpAddress, ranges: AllowList['ranges']): boolean {
  return ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}

/** Whether EGRESS_ALLOW lifts the rule for this address (or for the IPv4 address it carries). */
export function allowsAddress(list: AllowList, address: IpAddress): boolean {
  const carried = address.kind() === 'ipv6' ? embeddedV4(address as ipaddr.IPv6)?.v4 : undefined;
  for (const candidate of carried ? [address, carried] : [address]) {
    if (list.loopback && candidate.range() === 'loopback') return true;
    if (inRanges(candidate, list.ranges)) return true;
  }
  return false;
}
