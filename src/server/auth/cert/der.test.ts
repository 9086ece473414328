// The DER reader and the constraint globs on hand-made inputs: malformed lengths, OIDs, string types.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CertFields } from './cert-fields.ts'
import { type CertConstraints, matchesConstraints } from './constraints.ts'
import { DerError, decodeOid, decodeString, readTlv } from './der.ts'

it('decodes OIDs, including large arcs', () => {
  assert.equal(decodeOid(Buffer.from([0x55, 0x04, 0x03])), '2.5.4.3')
  assert.equal(decodeOid(Buffer.from([0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02])), '1.3.6.1.5.5.7.3.2')
  // 2.25.<2^70>: an arc beyond 2^53 keeps every digit.
  const arc = 2n ** 70n
  const bytes: number[] = []
  for (let v = arc; v > 0n; v >>= 7n) bytes.unshift(Number(v & 0x7fn) | (bytes.length ? 0x80 : 0))
  assert.equal(decodeOid(Buffer.from([0x69, ...bytes])), `2.25.${arc}`)
})

it('refuses truncated and oversized elements', () => {
  assert.throws(() => readTlv(Buffer.from([0x30]), 0), DerError)
  assert.throws(() => readTlv(Buffer.from([0x30, 0x05, 0x01]), 0), DerError)
  assert.throws(() => readTlv(Buffer.from([0x30, 0x85, 1, 1, 1, 1, 1]), 0), DerError)
  const long = readTlv(Buffer.concat([Buffer.from([0x04, 0x81, 0x80]), Buffer.alloc(0x80)]), 0)
  assert.deepEqual([long.start, long.end], [3, 131])
})

it('reads the string types Vault accepts for extension values', () => {
  const text = (tag: number, bytes: Buffer) =>
    decodeString(
      Buffer.concat([Buffer.from([tag, bytes.length]), bytes]),
      readTlv(Buffer.concat([Buffer.from([tag, bytes.length]), bytes]), 0),
    )
  assert.equal(text(0x0c, Buffer.from('héllo')), 'héllo')
  assert.equal(text(0x13, Buffer.from('Printable')), 'Printable')
  assert.equal(text(0x1e, Buffer.from([0, 0x41, 0, 0x42])), 'AB')
  assert.equal(text(0x02, Buffer.from([1])), undefined, 'an INTEGER is not a string')
})

it('applies each constraint list only when it is set, with globs', () => {
  const none: CertConstraints = {
    allowedNames: [],
    allowedCommonNames: [],
    allowedDnsSans: [],
    allowedEmailSans: [],
    allowedUriSans: [],
    allowedOrganizationalUnits: [],
    requiredExtensions: [],
  }
  const leaf: CertFields = {
    commonName: 'app.example.com',
    organizationalUnits: ['payments'],
    dnsNames: ['api.web.example'],
    emails: ['ops@example.com'],
    uris: ['spiffe://example/app'],
    ipAddresses: [],
    hasSan: true,
    nameConstraints: undefined,
    unhandledCritical: false,
    extKeyUsage: undefined,
    subjectKeyId: Buffer.alloc(0),
    authorityKeyId: Buffer.alloc(0),
    maxPathLen: undefined,
    extensions: new Map([['1.2.3.4', Buffer.from([0x0c, 0x03, 0x61, 0x62, 0x63])]]),
  }
  const check = (c: Partial<CertConstraints>) => matchesConstraints({ ...none, ...c }, leaf)
  assert.equal(check({}), true)
  assert.equal(check({ allowedCommonNames: ['*.example.com'] }), true)
  assert.equal(check({ allowedCommonNames: ['*.example.org', 'bob'] }), false)
  assert.equal(check({ allowedDnsSans: ['*.web.example'] }), true)
  assert.equal(check({ allowedDnsSans: ['web.example'] }), false)
  assert.equal(check({ allowedEmailSans: ['*@example.com'] }), true)
  assert.equal(check({ allowedUriSans: ['spiffe://example/*'] }), true)
  assert.equal(check({ allowedOrganizationalUnits: ['eng'] }), false)
  assert.equal(check({ allowedNames: ['ops@*'] }), true, 'allowed_names also looks at email SANs')
  assert.equal(check({ requiredExtensions: ['1.2.3.4:a*'] }), true)
  assert.equal(check({ requiredExtensions: ['1.2.3.4:x*'] }), false)
  assert.equal(check({ requiredExtensions: ['1.2.3.5:*'] }), false, 'a missing extension fails')
})
