// CIDR validation and matching, including the IPv4-mapped form Node reports on dual-stack sockets.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addressAllowed, cidrsOutside, cidrText, invalidCidrs } from './cidr.ts'

describe('cidr', () => {
  it('validates blocks and bare addresses', () => {
    assert.deepEqual(invalidCidrs(['10.0.0.0/8', '127.0.0.1', '::1/128', 'fe80::/10']), [])
    assert.deepEqual(invalidCidrs(['10.0.0.0/33', 'nope', '1.2.3.4/8/9', '::/129', '10.0.0.0/x']), [
      '10.0.0.0/33',
      'nope',
      '1.2.3.4/8/9',
      '::/129',
      '10.0.0.0/x',
    ])
  })

  it('allows an address inside a block and refuses one outside', () => {
    assert.equal(addressAllowed('10.1.2.3', ['10.0.0.0/8']), true)
    assert.equal(addressAllowed('11.1.2.3', ['10.0.0.0/8']), false)
    assert.equal(addressAllowed('127.0.0.1', ['10.0.0.0/8', '127.0.0.1']), true)
    assert.equal(addressAllowed('127.0.0.2', ['127.0.0.1']), false)
  })

  it('treats the IPv4-mapped IPv6 form as the IPv4 address', () => {
    assert.equal(addressAllowed('::ffff:127.0.0.1', ['127.0.0.0/8']), true)
    assert.equal(addressAllowed('::ffff:192.168.0.1', ['127.0.0.0/8']), false)
  })

  it('matches IPv6 blocks', () => {
    assert.equal(addressAllowed('::1', ['::1/128']), true)
    assert.equal(addressAllowed('::2', ['::1/128']), false)
  })

  it('allows everyone for an empty list and no one for an unparsable address', () => {
    assert.equal(addressAllowed('1.2.3.4', []), true)
    assert.equal(addressAllowed('1.2.3.4', undefined), true)
    assert.equal(addressAllowed('', ['0.0.0.0/0']), false)
  })

  it('finds the blocks that do not lie inside any of a list of blocks', () => {
    assert.deepEqual(cidrsOutside(['10.1.0.0/16', '10.2.3.4', '11.0.0.0/8'], ['10.0.0.0/8']), ['11.0.0.0/8'])
    assert.deepEqual(
      cidrsOutside(['10.0.0.0/7'], ['10.0.0.0/8']),
      ['10.0.0.0/7'],
      'a wider block is not inside',
    )
    assert.deepEqual(cidrsOutside(['::1'], ['127.0.0.0/8']), ['::1'], 'families do not mix')
    assert.deepEqual(cidrsOutside([], ['10.0.0.0/8']), [])
  })

  it('shows a single-host block as Vault does, without its /32 or /128', () => {
    assert.equal(cidrText('127.0.0.1/32'), '127.0.0.1')
    assert.equal(cidrText('::1/128'), '::1')
    assert.equal(cidrText('1.2.3.4/8'), '1.2.3.4/8')
    assert.equal(cidrText('10.0.0.1'), '10.0.0.1')
    assert.equal(cidrText('not-a-cidr'), 'not-a-cidr')
  })
})
