// Tests for reading mount config and user_lockout_config from request bodies: Vault's names, unknown keys refused.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MOUNT_CONFIG_KEYS, parseMountConfig, parseUserLockout, USER_LOCKOUT_KEYS } from './mount-view.ts'

describe('parseUserLockout', () => {
  it("reads Vault's tune names", () => {
    assert.deepEqual(
      parseUserLockout({
        lockout_threshold: '3',
        lockout_duration: '10m',
        lockout_counter_reset_duration: '5m',
        lockout_disable: false,
      }),
      { threshold: 3, duration: 600, counterReset: 300, disable: false },
    )
  })

  it('still reads lockout_counter_reset, but not together with the Vault name', () => {
    assert.deepEqual(parseUserLockout({ lockout_counter_reset: '5m' }), { counterReset: 300 })
    assert.throws(
      () => parseUserLockout({ lockout_counter_reset: '5m', lockout_counter_reset_duration: '6m' }),
      {
        status: 400,
        message: /not both/,
      },
    )
  })

  it('refuses a misspelt or unknown key with a 400 naming it and listing the supported ones', () => {
    assert.throws(() => parseUserLockout({ disable_lockout: true }), {
      status: 400,
      message: `user_lockout_config: unknown key "disable_lockout" (supported: ${USER_LOCKOUT_KEYS.join(', ')})`,
    })
    assert.throws(() => parseUserLockout({ lockout_threshold: 3, threshold: 3, lockout_durations: '1m' }), {
      status: 400,
      message: /^user_lockout_config: unknown keys "threshold", "lockout_durations" \(supported: /,
    })
    assert.throws(() => parseUserLockout('{"lockout_disabled": true}'), {
      status: 400,
      message: /"lockout_disabled"/,
    })
  })

  it('applies to the user_lockout_config inside a tune body or a new mount’s config', () => {
    assert.throws(() => parseMountConfig({ user_lockout_config: { disable_lockout: true } }), {
      status: 400,
      message: /unknown key "disable_lockout"/,
    })
    assert.throws(() => parseMountConfig({ user_lockout_config: { disable_lockout: true } }, 'config'), {
      status: 400,
      message: /unknown key "disable_lockout"/,
    })
  })
})

describe('parseMountConfig', () => {
  it('accepts every key of Vault’s api.MountConfigInput in a new mount’s config', () => {
    // What the Vault CLI sends for `vault secrets enable -default-lease-ttl=1h kv`: zero values included.
    const fromVaultCli = {
      options: null,
      default_lease_ttl: '1h',
      max_lease_ttl: '',
      force_no_cache: false,
      description: 'kv',
      plugin_version: '',
      user_lockout_config: {},
    }
    assert.deepEqual(parseMountConfig(fromVaultCli, 'config'), {
      defaultLeaseTtl: 3600,
      forceNoCache: false,
      userLockout: {},
    })
    const all = Object.fromEntries(MOUNT_CONFIG_KEYS.map((key) => [key, null]))
    assert.deepEqual(parseMountConfig(all, 'config'), { forceNoCache: false })
  })

  it('refuses unknown keys in a new mount’s config, naming them', () => {
    assert.throws(() => parseMountConfig({ default_lease_ttl: '1h', max_ttl: '2h' }, 'config'), {
      status: 400,
      message: `config: unknown key "max_ttl" (supported: ${MOUNT_CONFIG_KEYS.join(', ')})`,
    })
  })

  it('refuses a duration longer than Go’s time.Duration naming the field', () => {
    assert.throws(() => parseMountConfig({ max_lease_ttl: '99999999999999h' }, 'config'), {
      status: 400,
      message: /^invalid value for "max_lease_ttl": must be at most 9223372036 seconds/,
    })
  })
})
