// loginRenewalTtl: Vault's CalculateTTL for a login token's renewal, case by case.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type LoginRenewalTtlInput, loginRenewalTtl } from './login-renewal-ttl.ts'

const HOUR = 3600
const created = 1_800_000_000
/** A renewal `elapsed` seconds after the login, under a 32-day mount with a 1h default. */
function at(elapsed: number, over: Partial<LoginRenewalTtlInput> = {}): LoginRenewalTtlInput {
  return {
    increment: 0,
    settings: {},
    mountTtls: { defaultLeaseTtl: HOUR, maxLeaseTtl: 768 * HOUR },
    explicitMaxTtl: 0,
    creationTime: created,
    now: (created + elapsed) * 1000,
    ...over,
  }
}

describe('loginRenewalTtl', () => {
  it('grants the increment, else the role token_ttl, else the mount default', () => {
    assert.deepEqual(loginRenewalTtl(at(0, { increment: 5 * HOUR, settings: { tokenTtl: HOUR } })), {
      ttl: 5 * HOUR,
      warnings: [],
    })
    assert.equal(loginRenewalTtl(at(0, { settings: { tokenTtl: 2 * HOUR } })).ttl, 2 * HOUR)
    assert.equal(loginRenewalTtl(at(0)).ttl, HOUR)
  })

  it('caps at the smallest max counted from the creation, with a warning', () => {
    const cut = loginRenewalTtl(at(2 * HOUR, { increment: 100 * HOUR, settings: { maxTtl: 48 * HOUR } }))
    assert.equal(cut.ttl, 46 * HOUR)
    assert.deepEqual(cut.warnings, [
      'TTL of "100h0m0s" exceeded the effective max_ttl of "46h0m0s"; TTL value is capped accordingly',
    ])
    // The token's explicit max and the mount's max bind as well, whichever is smallest.
    assert.equal(loginRenewalTtl(at(HOUR, { increment: 9 * HOUR, explicitMaxTtl: 3 * HOUR })).ttl, 2 * HOUR)
    const smallMount = { defaultLeaseTtl: HOUR, maxLeaseTtl: 4 * HOUR }
    assert.equal(
      loginRenewalTtl(
        at(HOUR, { increment: 9 * HOUR, mountTtls: smallMount, settings: { maxTtl: 48 * HOUR } }),
      ).ttl,
      3 * HOUR,
    )
  })

  it('refuses once the max is reached', () => {
    assert.throws(() => loginRenewalTtl(at(24 * HOUR, { settings: { maxTtl: 24 * HOUR } })), /maximum TTL/)
    assert.throws(() => loginRenewalTtl(at(25 * HOUR, { settings: { maxTtl: 24 * HOUR } })), /maximum TTL/)
  })

  it('grants a period whole past the max TTL, cut only to the max as a duration, ended by an explicit max', () => {
    assert.deepEqual(loginRenewalTtl(at(100 * HOUR, { increment: HOUR, settings: { period: 6 * HOUR } })), {
      ttl: 6 * HOUR,
      warnings: [],
    })
    const cut = loginRenewalTtl(at(100 * HOUR, { settings: { period: 6 * HOUR, maxTtl: 2 * HOUR } }))
    assert.equal(cut.ttl, 2 * HOUR)
    assert.deepEqual(cut.warnings, [
      'period of "6h0m0s" exceeded the effective max_ttl of "2h0m0s"; period value is capped accordingly',
    ])
    const ending = loginRenewalTtl(
      at(8 * HOUR, { settings: { period: 6 * HOUR }, explicitMaxTtl: 10 * HOUR }),
    )
    assert.equal(ending.ttl, 2 * HOUR)
    assert.throws(
      () => loginRenewalTtl(at(10 * HOUR, { settings: { period: 6 * HOUR }, explicitMaxTtl: 10 * HOUR })),
      /maximum TTL/,
    )
  })
})
