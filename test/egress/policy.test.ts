// The egress policy's decisions, rule by rule. Nothing here opens a connection: only the policy's
// `check`, `checkStatic` and `resolveHost` are called, and DNS is an injected resolver that
// records what it was asked. Private, link-local and metadata targets are judged this way,
// never dialled.

import { describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/egress/addresses.ts';
import { EgressConfigError, EgressRefusedError, type EgressRule } from '../../src/egress/errors.ts';
import { credentialHeaderProblem } from '../../src/egress/headers.ts';
import { createEgressPolicy, type EgressDecision } from '../../src/egress/policy.ts';

/** A resolver answering from a table, recording every name it was asked for. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = async (host: string): Promise<string[]> => {
    asked.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers;
  };
  return { asked, resolve };
}

function refusal(decision: EgressDecision): EgressRefusedError {
  if (decision.allowed) throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return decision.error;
}

// Addresses of documentation and public ranges that are never dialled: only `check` is called.
const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:4700::6810:84e5';

describe('addresses written in the URL', () => {
  const policy = createEgressPolicy({ allow: [], resolve: async () => [] });

  const cases: [string, EgressRule, RegExp][] = [
    ['http://10.0.0.1/', 'private', /private address \(RFC 1918\)/],
    ['http://172.16.5.4/', 'private', /RFC 1918/],
    ['http://172.31.255.255/', 'private', /RFC 1918/],
    ['http://192.168.1.1:8080/admin', 'private', /RFC 1918/],
    ['http://169.254.169.254/latest/meta-data/', 'link-local', /link-local \/ cloud metadata/],
    ['http://100.64.0.1/', 'carrier-grade-nat', /carrier-grade NAT/],
    ['http://100.100.100.200/', 'metadata', /cloud metadata address/],
    ['http://168.63.129.16/', 'metadata', /cloud metadata address/],
    ['http://127.0.0.1:8000/metrics', 'loopback', /loopback address/],
    ['http://127.8.9.10/', 'loopback', /loopback/],
    ['http://0.0.0.0:8000/', 'unspecified', /unspecified address/],
    ['http://255.255.255.255/', 'broadcast', /broadcast/],
    ['http://224.0.0.1/', 'multicast', /multicast/],
    ['http://240.0.0.1/', 'reserved', /reserved/],
    ['http://192.0.2.10/', 'reserved', /reserved/],
    ['http://[::1]/', 'loopback', /loopback address \(::1\)/],
    ['http://[::]/', 'unspecified', /unspecified/],
    ['http://[fd00::1]/', 'unique-local', /unique-local address \(fc00::\/7\)/],
    ['http://[fd00:ec2::254]/', 'metadata', /cloud metadata/],
    ['http://[fe80::1]/', 'link-local', /link-local address \(fe80::\/10\)/],
    ['http://[fec0::1]/', 'site-local', /site-local/],
    ['http://[ff02::1]/', 'multicast', /multicast/],
    ['http://[::ffff:10.0.0.1]/', 'ipv4-mapped', /IPv4-mapped IPv6 .* form of a private address \(RFC 1918\)/],
    ['http://[::ffff:127.0.0.1]/', 'ipv4-mapped', /IPv4-mapped IPv6 .* form of a loopback address/],
    ['http://[::ffff:169.254.169.254]/', 'ipv4-mapped', /form of a link-local/],
    ['http://[::ffff:0:a00:1]/', 'ipv4-mapped', /IPv4-translated/],
    ['http://[::7f00:1]/', 'ipv4-compatible', /IPv4-compatible IPv6 .* loopback/],
    ['http://[64:ff9b::a9fe:a9fe]/', 'ipv4-embedded', /NAT64 .* link-local/],
    ['http://[2002:c0a8:101::1]/', 'ipv4-embedded', /6to4 .* private/],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'teredo', /Teredo/],
    ['http://[2001:db8::1]/', 'reserved', /reserved/],
    // The URL parser turns these spellings into 127.0.0.1 and 10.0.0.1 before the policy sees them.
    ['http://2130706433/', 'loopback', /loopback/],
    ['http://0x7f.1/', 'loopback', /loopback/],
    ['http://012.0.0.1/', 'private', /RFC 1918/],
  ];

  it.each(cases)('%s is refused: %s', async (url, rule, reason) => {
    const error = policy.checkStatic(url);
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error?.rule).toBe(rule);
    expect(error?.reason).toMatch(reason);
    expect(error?.via).toBe('address');
    // The whole decision says the same, without DNS.
    expect(refusal(await policy.check(url)).rule).toBe(rule);
  });

  it('names the host, the rule and EGRESS_ALLOW, and nothing about ports or paths', () => {
    const a = policy.checkStatic('http://10.0.0.1:22/secret?token=abc');
    const b = policy.checkStatic('http://10.0.0.1:8080/');
    expect(a?.message).toBe(
      'Outbound call to 10.0.0.1 refused by the egress policy: private address (RFC 1918). ' +
        'To allow it, add 10.0.0.1 (or a CIDR covering it) to EGRESS_ALLOW.',
    );
    // The same words whatever the port: a refusal cannot tell an open port from a closed one.
    expect(b?.message).toBe(a?.message);
    expect(policy.checkStatic('http://127.0.0.1/')?.message).toMatch(
      /add 127\.0\.0\.1 \(or a CIDR covering it, or the keyword loopback\) to EGRESS_ALLOW/,
    );
  });

  it('allows public addresses of both families', async () => {
    expect(policy.checkStatic(`http://${PUBLIC_V4}/`)).toBeNull();
    expect(policy.checkStatic(`https://[${PUBLIC_V6}]/`)).toBeNull();
    expect(policy.checkStatic(`http://[::ffff:${PUBLIC_V4}]/`)).toBeNull();
    expect(await policy.check(`http://${PUBLIC_V4}:8080/x`)).toEqual({
      allowed: true,
      host: PUBLIC_V4,
      addresses: [{ address: PUBLIC_V4, family: 4 }],
    });
  });
});

describe('schemes and names', () => {
  it('refuses schemes other than http and https, which EGRESS_ALLOW cannot lift', () => {
    const policy = createEgressPolicy({ allow: ['0.0.0.0/0', '::/0', 'loopback'] });
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'data:text/plain,hi']) {
      const error = policy.checkStatic(url);
      expect(error?.rule, url).toBe('scheme');
      expect(error?.message).toMatch(/non-http scheme .* \(only http and https may be called\)\.$/);
      expect(error?.message).not.toMatch(/EGRESS_ALLOW/);
    }
    expect(policy.checkStatic('not a url')?.rule).toBe('invalid-url');
  });

  it('refuses localhost and *.localhost as loopback without asking DNS, and metadata names', async () => {
    const dns = fakeDns({});
    const policy = createEgressPolicy({ allow: [], resolve: dns.resolve });
    expect(policy.checkStatic('http://localhost:3000/')).toMatchObject({ rule: 'loopback', via: 'name', host: 'localhost' });
    expect(policy.checkStatic('http://LOCALHOST./')?.rule).toBe('loopback');
    expect(policy.checkStatic('http://agent.localhost/')?.rule).toBe('loopback');
    expect(policy.checkStatic('http://metadata.google.internal/computeMetadata/v1/')).toMatchObject({ rule: 'metadata', via: 'name' });
    expect(refusal(await policy.check('http://localhost/')).rule).toBe('loopback');
    expect(dns.asked).toEqual([]);
  });

  it('leaves names to DNS in checkStatic: registration never refuses a name it has not resolved', () => {
    const dns = fakeDns({});
    const policy = createEgressPolicy({ allow: [], resolve: dns.resolve });
    expect(policy.checkStatic('https://agents.example.com/billing')).toBeNull();
    expect(dns.asked).toEqual([]);
  });
});

describe('names resolved through DNS', () => {
  it('refuses a name that resolves to a private address, without quoting the address', async () => {
    const dns = fakeDns({ 'internal.example': ['10.1.2.3'] });
    const policy = createEgressPolicy({ allow: [], resolve: dns.resolve });
    const error = refusal(await policy.check('http://internal.example:8080/'));
    expect(error).toMatchObject({ host: 'internal.example', address: '10.1.2.3', rule: 'private', via: 'dns' });
    expect(error.message).toBe(
      'Outbound call to internal.example refused by the egress policy: the name resolves to a private address (RFC 1918). ' +
        'To allow it, add internal.example to EGRESS_ALLOW.',
    );
    expect(dns.asked).toEqual(['internal.example']);
  });

  it.each([
    ['metadata.example', ['169.254.169.254'], 'link-local'],
    ['v6.example', ['fd12:3456::1'], 'unique-local'],
    ['mapped.example', ['::ffff:127.0.0.1'], 'ipv4-mapped'],
    ['cgnat.example', ['100.64.1.1'], 'carrier-grade-nat'],
    ['zero.example', ['0.0.0.0'], 'unspecified'],
  ])('refuses %s resolving to %s (%s)', async (host, answers, rule) => {
    const dns = fakeDns({ [host]: answers });
    const policy = createEgressPolicy({ allow: [], resolve: dns.resolve });
    expect(refusal(await policy.check(`https://${host}/`)).rule).toBe(rule);
  });

  it('refuses a name with one public and one private answer: the connection could use either', async () => {
    const dns = fakeDns({ 'split.example': [PUBLIC_V4, '192.168.0.10'] });
    const policy = createEgressPolicy({ allow: [], resolve: dns.resolve });
    const error = refusal(await policy.check('https://split.example/'));
    expect(error).toMatchObject({ rule: 'private', address: '192.168.0.10' });
  });

  it('allows a name whose every answer is public, pinned to exactly those answers, resolving once', async () => {
    const dns = fakeDns({ 'public.example': [PUBLIC_V4, PUBLIC_V6] });
    const policy = createEgressPolicy({ allow: [], resolve: dns.resolve });
    expect(await policy.check('https://public.example/x')).toEqual({
      allowed: true,
      host: 'public.example',
      addresses: [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
    });
    expect(dns.asked).toEqual(['public.example']);
  });

  it('passes resolver failures through (an unknown name is a network failure, not a refusal)', async () => {
    const policy = createEgressPolicy({ allow: [], resolve: fakeDns({}).resolve });
    await expect(policy.check('https://nowhere.example/')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const empty = createEgressPolicy({ allow: [], resolve: async () => [] });
    await expect(empty.check('https://empty.example/')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('EGRESS_ALLOW', () => {
  it('a host name allows that name (any case, trailing dot) whatever it resolves to, and nothing else', async () => {
    const dns = fakeDns({ 'billing.internal': ['10.0.0.7'], 'other.internal': ['10.0.0.8'] });
    const policy = createEgressPolicy({ allow: ['Billing.Internal'], resolve: dns.resolve });
    expect(await policy.check('http://BILLING.internal./pay')).toEqual({
      allowed: true,
      host: 'billing.internal',
      addresses: [{ address: '10.0.0.7', family: 4 }],
    });
    expect(refusal(await policy.check('http://other.internal/')).rule).toBe('private');
    // The name, not its address: the address itself stays refused.
    expect(policy.checkStatic('http://10.0.0.7/')?.rule).toBe('private');
  });

  it('a CIDR or an address allows the addresses in it, written or resolved', async () => {
    const dns = fakeDns({ 'db.internal': ['10.20.30.40'], 'cache.internal': ['10.99.0.1'] });
    const policy = createEgressPolicy({ allow: ['10.20.0.0/16', '192.168.1.5', 'fd00:1::/32'], resolve: dns.resolve });
    expect(policy.checkStatic('http://10.20.1.1/')).toBeNull();
    expect(policy.checkStatic('http://10.21.0.1/')?.rule).toBe('private');
    expect(policy.checkStatic('http://192.168.1.5/')).toBeNull();
    expect(policy.checkStatic('http://192.168.1.6/')?.rule).toBe('private');
    expect(policy.checkStatic('http://[fd00:1::9]/')).toBeNull();
    expect(policy.checkStatic('http://[fd00:2::9]/')?.rule).toBe('unique-local');
    // An IPv4 CIDR covers the IPv4-mapped forms of its addresses too.
    expect(policy.checkStatic('http://[::ffff:10.20.0.1]/')).toBeNull();
    expect((await policy.check('http://db.internal/')).allowed).toBe(true);
    expect(refusal(await policy.check('http://cache.internal/')).rule).toBe('private');
  });

  it('loopback allows 127.0.0.0/8, ::1, their mapped forms and the name localhost, and nothing private', async () => {
    const dns = fakeDns({ localhost: ['127.0.0.1', '::1'], 'sneaky.example': ['127.0.0.2'], 'lan.example': ['10.0.0.1'] });
    const policy = createEgressPolicy({ allow: ['loopback'], resolve: dns.resolve });
    for (const url of ['http://127.0.0.1:9/', 'http://127.1.2.3/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://localhost/']) {
      expect(policy.checkStatic(url), url).toBeNull();
    }
    expect((await policy.check('http://localhost:4000/')).allowed).toBe(true);
    expect((await policy.check('http://sneaky.example/')).allowed).toBe(true);
    expect(refusal(await policy.check('http://lan.example/')).rule).toBe('private');
    expect(policy.checkStatic('http://0.0.0.0/')?.rule).toBe('unspecified');
    expect(policy.checkStatic('http://169.254.169.254/')?.rule).toBe('link-local');
  });

  it('refuses entries that are none of the four forms, naming them', () => {
    for (const entry of ['http://example.com', 'example.com:8080', '10.0.0.0/33', '127.1', 'exa mple.com', '*.example.com', '::1/129']) {
      expect(() => parseAllowList([entry]), entry).toThrow(EgressConfigError);
    }
    expect(() => createEgressPolicy({ allow: ['example.com:8080'] })).toThrow(/EGRESS_ALLOW entry "example.com:8080" is not a host name/);
    expect(parseAllowList([' loopback ', '[fd00::1]', 'Agents.Example.', '10.0.0.0/8'])).toMatchObject({
      loopback: true,
      hosts: new Set(['agents.example']),
    });
  });
});

describe('API key header names', () => {
  it('refuses reserved, hop-by-hop and malformed names, and accepts headers of their own', () => {
    for (const name of [
      'Content-Type',
      'host',
      'Idempotency-Key',
      'Connection',
      'Transfer-Encoding',
      'X-Flowdeck-Attempt',
      'Proxy-Authorization',
      'Cookie',
      'X-Forwarded-For',
      'bad header',
      'x:y',
    ]) {
      expect(credentialHeaderProblem(name), name).not.toBeNull();
    }
    for (const name of ['X-API-Key', 'Authorization', 'api-key', 'X-Billing-Key']) expect(credentialHeaderProblem(name), name).toBeNull();
  });
});
