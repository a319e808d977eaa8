// The egress policy: which URLs the server may call (agents, agent cards and the endpoints they
// name, `http` steps, health checks). A decision is made before any connection is opened, from
// the URL and from one DNS answer; the egress fetch then connects only to the addresses that
// answer held (see fetch.ts), so a second, different answer cannot slip a private address in.

import { promises as dns } from 'node:dns';
import {
  type AddressVerdict,
  allowsAddress,
  type AllowList,
  classifyAddress,
  type IpAddress,
  normalizeHost,
  parseAddress,
  parseAllowList,
} from './addresses.ts';
import { EgressRefusedError } from './errors.ts';

/** Resolves a host name to its addresses (as text); the default is the system resolver (`dns.lookup`, /etc/hosts included). */
export type Resolver = (host: string) => Promise<string[]>;

/** An address a call may connect to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A policy decision: the addresses the call may connect to (and only those), or why it may not be made. */
export type EgressDecision = { allowed: true; host: string; addresses: ResolvedAddress[] } | { allowed: false; error: EgressRefusedError };

/** Options of {@link createEgressPolicy}. */
export interface EgressPolicyOptions {
  /** EGRESS_ALLOW's entries; see {@link parseAllowList} for the grammar. */
  allow: readonly string[];
  /** DNS; injected by tests so private, link-local and metadata answers are judged without any packet sent. */
  resolve?: Resolver;
}

/** Decides which outbound calls may be made. */
export interface EgressPolicy {
  /** The EGRESS_ALLOW entries the policy was built from. */
  readonly allow: readonly string[];
  /**
   * What can be decided from the URL alone, without DNS: the scheme, a literal address, and
   * names that are loopback (`localhost`) or cloud metadata (`metadata.google.internal`).
   * Null when nothing in the URL itself is refused. What registration checks.
   */
  checkStatic(url: string | URL): EgressRefusedError | null;
  /**
   * Resolves a host once and judges every answer: one refused answer refuses the host, since
   * the connection could use any of them. A literal address is judged without DNS. Resolver
   * failures (an unknown name) are thrown as they come. What the egress fetch connects with.
   */
  resolveHost(host: string): Promise<EgressDecision>;
  /** {@link checkStatic}, then {@link resolveHost} on the URL's host: the whole decision for one URL. */
  check(url: string | URL): Promise<EgressDecision>;
}

/** Names of cloud metadata services (they resolve to link-local addresses, refused anyway; this says why plainly). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** The system resolver: every address `dns.lookup` gives, in its order. */
export const systemResolver: Resolver = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

function familyOf(address: IpAddress): 4 | 6 {
  return address.kind() === 'ipv4' ? 4 : 6;
}

/** `localhost` and `*.localhost` are loopback by definition (RFC 6761), whatever DNS says. */
function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * Builds the policy from EGRESS_ALLOW's entries (an invalid entry throws EgressConfigError).
 * Refused: non-http(s) schemes; loopback, private (RFC 1918), link-local and metadata,
 * carrier-grade NAT, unique-local, site-local, unspecified, broadcast, multicast and reserved
 * addresses, and IPv6 forms carrying such an IPv4 address — whether written in the URL or
 * answered by DNS — unless an entry allows the address or the host name.
 */
export function createEgressPolicy(options: EgressPolicyOptions): EgressPolicy {
  const list: AllowList = parseAllowList(options.allow);
  const resolve = options.resolve ?? systemResolver;

  const refusal = (host: string, address: string | null, verdict: AddressVerdict, via: 'address' | 'name' | 'dns') =>
    new EgressRefusedError({ host, address, rule: verdict.rule, reason: verdict.reason, via });

  /** A refusal for an address, or null when it is public or allowed. */
  function judge(host: string, address: IpAddress, via: 'address' | 'dns'): EgressRefusedError | null {
    const verdict = classifyAddress(address);
    if (verdict === null || allowsAddress(list, address)) return null;
    return refusal(host, address.toString(), verdict, via);
  }

  const policy: EgressPolicy = {
    allow: [...options.allow],

    checkStatic(url) {
      let parsed: URL;
      try {
        parsed = typeof url === 'string' ? new URL(url) : url;
      } catch {
        return new EgressRefusedError({ host: '', address: null, rule: 'invalid-url', reason: 'not a valid URL', via: 'url' });
      }
      const host = normalizeHost(parsed.hostname);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        const reason = `non-http scheme ${parsed.protocol} (only http and https may be called)`;
        return new EgressRefusedError({ host, address: null, rule: 'scheme', reason, via: 'url' });
      }
      if (list.hosts.has(host)) return null;
      const address = parseAddress(host);
      if (address) return judge(host, address, 'address');
      if (isLoopbackName(host) && !list.loopback) {
        return refusal(host, null, { rule: 'loopback', reason: 'loopback host name' }, 'name');
      }
      if (METADATA_NAMES.has(host)) return refusal(host, null, { rule: 'metadata', reason: 'cloud metadata host name' }, 'name');
      return null;
    },

    async resolveHost(rawHost) {
      const host = normalizeHost(rawHost);
      const literal = parseAddress(host);
      if (literal) {
        const error = judge(host, literal, 'address');
        return error
          ? { allowed: false, error }
          : { allowed: true, host, addresses: [{ address: literal.toString(), family: familyOf(literal) }] };
      }
      const answers = await resolve(host);
      if (answers.length === 0) {
        throw Object.assign(new Error(`${host} has no addresses`), { code: 'ENOTFOUND', hostname: host });
      }
      const addresses: ResolvedAddress[] = [];
      const allowedByName = list.hosts.has(host);
      for (const answer of answers) {
        const address = parseAddress(answer);
        if (!address) throw new Error(`the resolver answered ${JSON.stringify(answer)} for ${host}, which is not an IP address`);
        const error = allowedByName ? null : judge(host, address, 'dns');
        if (error) return { allowed: false, error };
        // Without its zone a link-local answer could not be connected to; keep the resolver's text.
        addresses.push({ address: answer, family: familyOf(address) });
      }
      return { allowed: true, host, addresses };
    },

    async check(url) {
      const error = policy.checkStatic(url);
      if (error) return { allowed: false, error };
      return policy.resolveHost(typeof url === 'string' ? new URL(url).hostname : url.hostname);
    },
  };
  return policy;
}
