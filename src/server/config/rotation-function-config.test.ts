// The rotation_function blocks: commands and webhooks by name, in HCL and JSON, and every mistake named.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, parseConfig } from './load-config.ts'

const BASE = `storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n`

function refused(block: string): string {
  try {
    parseConfig(BASE + block, 'hcl')
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error.message
  }
  assert.fail('accepted')
}

describe('rotation_function blocks', () => {
  it('registers commands and webhooks by name, with defaults', () => {
    const config = parseConfig(
      `${BASE}
rotation_function "pg-app" {
  command = ["/usr/bin/python3", "/opt/rotate.py"]
  timeout = "45s"
  env = { EXCLUDE_CHARACTERS = "/@" }
}
rotation_function "hook" {
  webhook_url = "https://rotator.internal/rotate"
  hmac_secret = "0123456789abcdef0123"
}`,
      'hcl',
    )
    assert.deepEqual(config.rotationFunctions, {
      'pg-app': {
        kind: 'command',
        command: ['/usr/bin/python3', '/opt/rotate.py'],
        timeoutMs: 45_000,
        env: { EXCLUDE_CHARACTERS: '/@' },
      },
      hook: {
        kind: 'webhook',
        url: 'https://rotator.internal/rotate',
        hmacSecret: '0123456789abcdef0123',
        timeoutMs: 30_000,
      },
    })
    const json = parseConfig(
      JSON.stringify({
        storage: { inmem: {} },
        listener: { tcp: { tls_disable: true } },
        rotation_function: { one: { command: '/opt/one' } },
      }),
      'json',
    )
    assert.deepEqual(json.rotationFunctions?.['one'], {
      kind: 'command',
      command: ['/opt/one'],
      timeoutMs: 30_000,
      env: {},
    })
  })

  it('registers a built-in under an operator name with extra policies; policies on commands and webhooks too', () => {
    const config = parseConfig(
      `${BASE}
rotation_function "pg-alt" {
  builtin  = "coffer-postgresql-alternating-users"
  policies = ["db-master-read", "db-master-read"]
}
rotation_function "cmd" {
  command  = "/opt/rotate"
  policies = ["extra"]
}
rotation_function "hook" {
  webhook_url = "https://rotator.internal/rotate"
  hmac_secret = "0123456789abcdef0123"
  policies    = ["extra"]
}`,
      'hcl',
    )
    assert.deepEqual(config.rotationFunctions?.['pg-alt'], {
      kind: 'builtin',
      builtin: 'coffer-postgresql-alternating-users',
      policies: ['db-master-read'],
    })
    assert.deepEqual(config.rotationFunctions?.['cmd']?.policies, ['extra'])
    assert.deepEqual(config.rotationFunctions?.['hook']?.policies, ['extra'])
    assert.match(refused('rotation_function "a" { builtin = "x y" }'), /name of a built-in/)
    assert.match(
      refused('rotation_function "a" { builtin = "coffer-random-password"\n timeout = "10s" }'),
      /does not apply to a built-in/,
    )
    assert.match(
      refused('rotation_function "a" { builtin = "coffer-random-password"\n command = "/x" }'),
      /exactly one of/,
    )
    assert.match(refused('rotation_function "a" { command = "/x"\n policies = "p" }'), /list of policy names/)
    assert.match(refused('rotation_function "a" { command = "/x"\n policies = ["root"] }'), /root policy/)
  })

  it('refuses what would be ambiguous or unsafe', () => {
    assert.match(refused('rotation_function "a b" { command = "/x" }'), /letters, digits/)
    assert.match(refused('rotation_function "a" { command = "x" }'), /absolute path/)
    assert.match(refused('rotation_function "a" { }'), /exactly one of command, webhook_url and builtin/)
    assert.match(
      refused('rotation_function "a" { command = "/x"\n webhook_url = "https://h/" }'),
      /exactly one of command, webhook_url and builtin/,
    )
    assert.match(
      refused(
        'rotation_function "a" { webhook_url = "http://example.com/"\n hmac_secret = "0123456789abcdef" }',
      ),
      /must be https/,
    )
    assert.match(
      refused('rotation_function "a" { webhook_url = "https://h/"\n hmac_secret = "short" }'),
      /at least 16/,
    )
    assert.match(refused('rotation_function "a" { command = "/x"\n timeout = "1h" }'), /between 1s and 15m/)
    assert.match(refused('rotation_function "a" { command = "/x"\n shell = true }'), /unknown key/)
    assert.match(
      refused('rotation_function "a" { command = "/x" }\nrotation_function "a" { command = "/y" }'),
      /twice/,
    )
  })
})
