// Name constraints as Go's verifier applies them: domain, mailbox, URI host and IP range subtrees, permitted and excluded.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type NameConstraints,
  nameConstraintViolation,
  type SanNames,
  type Subtrees,
} from './name-constraints.ts'

const subtrees = (s: Partial<Subtrees> = {}): Subtrees => ({ dns: [], emails: [], uris: [], ips: [], ...s })
const nc = (permitted: Partial<Subtrees>, excluded: Partial<Subtrees> = {}): NameConstraints => ({
  permitted: subtrees(permitted),
  excluded: subtrees(excluded),
  unsupported: false,
})
const names = (n: Partial<SanNames>): SanNames => ({
  dnsNames: [],
  emails: [],
  uris: [],
  ipAddresses: [],
  ...n,
})
const ip = (...bytes: number[]) => Buffer.from(bytes)

describe('name constraints', () => {
  it('"example.com" covers the domain and its subdomains, ".example.com" only subdomains, case-insensitively', () => {
    const plain = nc({ dns: ['example.com'] })
    const dotted = nc({ dns: ['.example.com'] })
    assert.equal(nameConstraintViolation(plain, names({ dnsNames: ['example.com'] })), undefined)
    assert.equal(nameConstraintViolation(plain, names({ dnsNames: ['A.Example.COM'] })), undefined)
    assert.equal(
      nameConstraintViolation(plain, names({ dnsNames: ['badexample.com'] })),
      'DNS name "badexample.com" is not permitted by any constraint',
    )
    assert.equal(
      nameConstraintViolation(dotted, names({ dnsNames: ['example.com'] })),
      'DNS name "example.com" is not permitted by any constraint',
    )
    assert.equal(nameConstraintViolation(dotted, names({ dnsNames: ['a.example.com'] })), undefined)
    assert.equal(
      nameConstraintViolation(plain, names({ dnsNames: ['example.com.'] })),
      'cannot parse dnsName "example.com."',
    )
  })

  it('an excluded subtree wins over a permitted one; a type without constraints is not limited', () => {
    const c = nc({ dns: ['example.com'] }, { dns: ['bad.example.com'] })
    assert.equal(
      nameConstraintViolation(c, names({ dnsNames: ['x.bad.example.com'] })),
      'DNS name "x.bad.example.com" is excluded by constraint "bad.example.com"',
    )
    assert.equal(nameConstraintViolation(c, names({ emails: ['a@elsewhere.org'] })), undefined)
  })

  it('mailboxes match an exact mailbox constraint or a domain one', () => {
    const c = nc({ emails: ['ops@example.com', '.example.org'] })
    assert.equal(nameConstraintViolation(c, names({ emails: ['ops@EXAMPLE.com'] })), undefined)
    assert.match(nameConstraintViolation(c, names({ emails: ['dev@example.com'] })) ?? '', /not permitted/)
    assert.equal(nameConstraintViolation(c, names({ emails: ['dev@mail.example.org'] })), undefined)
    assert.match(
      nameConstraintViolation(c, names({ emails: ['no-at-sign'] })) ?? '',
      /cannot parse rfc822Name/,
    )
  })

  it('URIs are held by their host, and a host that is an IP address or missing cannot be matched', () => {
    const c = nc({ uris: ['.example.com'] })
    assert.equal(nameConstraintViolation(c, names({ uris: ['spiffe://svc.example.com:8443/x'] })), undefined)
    assert.match(
      nameConstraintViolation(c, names({ uris: ['https://10.0.0.1/x'] })) ?? '',
      /^URI with IP \("https:\/\/10\.0\.0\.1\/x"\) cannot be matched against constraints$/,
    )
    assert.match(nameConstraintViolation(c, names({ uris: ['urn:uuid:1234'] })) ?? '', /empty host/)
  })

  it('IP addresses must fall in a permitted range and outside excluded ones', () => {
    const c = nc(
      { ips: [{ ip: ip(10, 0, 0, 0), mask: ip(255, 0, 0, 0) }] },
      { ips: [{ ip: ip(10, 9, 0, 0), mask: ip(255, 255, 0, 0) }] },
    )
    assert.equal(nameConstraintViolation(c, names({ ipAddresses: [ip(10, 1, 2, 3)] })), undefined)
    assert.equal(
      nameConstraintViolation(c, names({ ipAddresses: [ip(192, 168, 0, 1)] })),
      'IP address "192.168.0.1" is not permitted by any constraint',
    )
    assert.equal(
      nameConstraintViolation(c, names({ ipAddresses: [ip(10, 9, 1, 1)] })),
      'IP address "10.9.1.1" is excluded by constraint "10.9.0.0/16"',
    )
    // An IPv6 address is never inside an IPv4 range.
    const v6 = Buffer.alloc(16)
    v6[15] = 1
    assert.equal(
      nameConstraintViolation(c, names({ ipAddresses: [v6] })),
      'IP address "::1" is not permitted by any constraint',
    )
  })
})
