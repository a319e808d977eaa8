// The errors of the egress layer. Every refusal is decided before a connection is opened, so
// none of them says anything about the target's ports: the same URL is refused with the same
// message whether something listens there or not.

/** The rule a refused URL broke; `scheme` and `invalid-url` cannot be lifted by EGRESS_ALLOW. */
export type EgressRule =
  | 'invalid-url'
  | 'scheme'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'site-local'
  | 'carrier-grade-nat'
  | 'unspecified'
  | 'broadcast'
  | 'multicast'
  | 'reserved'
  | 'ipv4-mapped'
  | 'ipv4-compatible'
  | 'ipv4-embedded'
  | 'teredo';

/** Base of the egress layer's failures: none of them is worth retrying unchanged. */
export abstract class EgressError extends Error {}

/** Fields of an {@link EgressRefusedError}. */
export interface EgressRefusal {
  /** The URL's host name or address (IPv6 without brackets), lower-case. */
  host: string;
  /** The refused address: the literal one, or the DNS answer that broke the rule; null for rules about names and schemes. */
  address: string | null;
  rule: EgressRule;
  /** The rule in words, e.g. "private address (RFC 1918)". */
  reason: string;
  /** How the host was judged: as written (an address or a name rule), or by what the name resolved to. */
  via: 'address' | 'name' | 'dns' | 'url';
}

/** Whether EGRESS_ALLOW can lift a rule (it cannot make `ftp:` callable). */
export function isAllowable(rule: EgressRule): boolean {
  return rule !== 'scheme' && rule !== 'invalid-url';
}

/** What EGRESS_ALLOW entry would allow the refused host, in words. */
function remedy(refusal: EgressRefusal): string {
  if (!isAllowable(refusal.rule)) return '';
  const loopback = refusal.rule === 'loopback';
  const entry =
    refusal.via === 'address'
      ? `${refusal.host} (or a CIDR covering it${loopback ? ', or the keyword loopback' : ''})`
      : `${refusal.host}${loopback ? ' (or the keyword loopback)' : ''}`;
  return ` To allow it, add ${entry} to EGRESS_ALLOW.`;
}

/**
 * An outbound call the egress policy does not allow. The message names the host (never the
 * port or path, which may hold secrets), the rule, and the setting that would allow it.
 */
export class EgressRefusedError extends EgressError implements EgressRefusal {
  override name = 'EgressRefusedError';
  readonly host: string;
  readonly address: string | null;
  readonly rule: EgressRule;
  readonly reason: string;
  readonly via: EgressRefusal['via'];

  constructor(refusal: EgressRefusal) {
    // A resolved address is not quoted: the message would otherwise map internal names to addresses.
    const what = refusal.via === 'dns' ? `the name resolves to a ${refusal.reason}` : refusal.reason;
    super(`Outbound call to ${refusal.host} refused by the egress policy: ${what}.${remedy(refusal)}`);
    this.host = refusal.host;
    this.address = refusal.address;
    this.rule = refusal.rule;
    this.reason = refusal.reason;
    this.via = refusal.via;
  }
}

/** A redirect the egress fetch will not follow: too many hops, a bad Location, a body it cannot send again. */
export class EgressRedirectError extends EgressError {
  override name = 'EgressRedirectError';
  constructor(
    message: string,
    readonly problem: 'too-many' | 'invalid-location' | 'unreplayable-body' | 'not-allowed',
  ) {
    super(message);
  }
}

/** A reply body longer than the egress fetch's backstop cap. */
export class EgressBodyTooLargeError extends EgressError {
  override name = 'EgressBodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`reply body exceeds ${maxBytes} bytes, the most any outbound call may read`);
  }
}

/** An EGRESS_ALLOW entry that is neither a host name, an address, a CIDR nor `loopback`. */
export class EgressConfigError extends Error {
  override name = 'EgressConfigError';
  constructor(readonly entry: string) {
    super(`EGRESS_ALLOW entry ${JSON.stringify(entry)} is not a host name, an IP address, a CIDR or the keyword loopback`);
  }
}
