// Tests for the server config loader: Vault-shaped HCL and JSON, defaults, aliases and error messages.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, type ConfigFormat, loadConfig, parseConfig } from './load-config.ts'

const fixture = (name: string) => join(import.meta.dirname, 'testdata', name)

const MINIMAL = `storage "inmem" {}\nlistener "tcp" { tls_disable = true }`

function rejects(text: string, format: ConfigFormat, message: string | RegExp): void {
  assert.throws(
    () => parseConfig(text, format),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error))
      if (typeof message === 'string') assert.equal(error.message, message)
      else assert.match(error.message, message)
      return true
    },
  )
}

describe('loadConfig', () => {
  it('reads a Vault-style HCL file', () => {
    assert.deepEqual(loadConfig(fixture('vault-style.hcl')), {
      listeners: [
        {
          type: 'tcp',
          address: '0.0.0.0:8200',
          tlsDisable: false,
          tlsCertFile: '/etc/coffer/tls/cert.pem',
          tlsKeyFile: '/etc/coffer/tls/key.pem',
          maxRequestSize: 33554432,
        },
        { type: 'tcp', address: '127.0.0.1:8300', tlsDisable: true, maxRequestSize: 1048576 },
      ],
      storage: { type: 'sqlite', path: join('/var/lib/coffer', 'coffer.db') },
      apiAddr: 'https://vault.example.com:8200',
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 768 * 3600,
      logLevel: 'warn',
      disableMlock: true,
      ui: true,
    })
  })

  it('reads a JSON file with list-shaped listeners and the backend alias', () => {
    assert.deepEqual(loadConfig(fixture('coffer.json')), {
      listeners: [{ type: 'tcp', address: '[::1]:8200', tlsDisable: true, maxRequestSize: 33554432 }],
      storage: { type: 'sqlite', path: '/data/coffer.db' },
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 86400,
      logLevel: 'debug',
      disableMlock: false,
      ui: false,
    })
  })

  it('names the file in errors, and detects JSON content without a .json extension', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-config-'))
    try {
      const bad = join(dir, 'server.hcl')
      writeFileSync(bad, 'storage "inmem" {}\nlistener "tcp" { address = "nope" \n tls_disable = 1 }')
      assert.throws(() => loadConfig(bad), {
        message: `${bad}: listener.tcp.address: must be host:port, such as 127.0.0.1:8200`,
      })
      const json = join(dir, 'server.conf')
      writeFileSync(json, '{"storage": {"inmem": {}}, "listener": {"tcp": {"tls_disable": true}}}')
      assert.equal(loadConfig(json).storage.type, 'inmem')
      const missing = join(dir, 'absent.hcl')
      assert.throws(() => loadConfig(missing), {
        name: 'ConfigError',
        message: `${missing}: cannot read the config file (ENOENT)`,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('parseConfig', () => {
  it('fills Vault defaults', () => {
    assert.deepEqual(parseConfig(MINIMAL, 'hcl'), {
      listeners: [{ type: 'tcp', address: '127.0.0.1:8200', tlsDisable: true, maxRequestSize: 33554432 }],
      storage: { type: 'inmem' },
      defaultLeaseTtl: 2764800,
      maxLeaseTtl: 2764800,
      logLevel: 'info',
      disableMlock: false,
      ui: false,
    })
  })

  it('accepts sqlite storage, backend as an alias, and lenient booleans', () => {
    const config = parseConfig(
      `backend "sqlite" { path = "./c.db" }\nlistener "tcp" { tls_disable = "1" }\nui = "true"`,
      'hcl',
    )
    assert.deepEqual(config.storage, { type: 'sqlite', path: './c.db' })
    assert.equal(config.listeners[0]?.tlsDisable, true)
    assert.equal(config.ui, true)
  })

  it('lets the default lease TTL follow a lowered max', () => {
    const config = parseConfig(`${MINIMAL}\nmax_lease_ttl = "2h"`, 'hcl')
    assert.equal(config.maxLeaseTtl, 7200)
    assert.equal(config.defaultLeaseTtl, 7200)
  })

  it('accepts JSON with nested arrays of listener bodies', () => {
    const config = parseConfig(
      JSON.stringify({
        storage: [{ inmem: {} }],
        listener: {
          tcp: [
            { address: '127.0.0.1:1', tls_disable: true },
            { address: '127.0.0.1:2', tls_disable: true },
          ],
        },
      }),
      'json',
    )
    assert.deepEqual(
      config.listeners.map((l) => l.address),
      ['127.0.0.1:1', '127.0.0.1:2'],
    )
  })

  it('reads max_json_depth, with 0 meaning the default, and refuses values past the safe ceiling', () => {
    const listener = (value: string) =>
      parseConfig(
        `storage "inmem" {}\nlistener "tcp" {\ntls_disable = true\nmax_json_depth = ${value}\n}`,
        'hcl',
      ).listeners[0]!
    assert.equal(listener('64').maxJsonDepth, 64)
    assert.equal(listener('"1000"').maxJsonDepth, 1000)
    assert.equal(listener('0').maxJsonDepth, undefined)
    assert.equal(parseConfig(MINIMAL, 'hcl').listeners[0]!.maxJsonDepth, undefined)
    for (const bad of ['-1', '2001', '"deep"', '1.5']) {
      assert.throws(
        () => listener(bad),
        /^ConfigError: listener\.tcp\.max_json_depth: must be a whole number up to 2000 \(0 means the default of 500\)$/,
        bad,
      )
    }
  })

  it("reads Vault's other JSON limits, with 0 meaning the default, and refuses what is not a whole number", () => {
    const options = [
      ['max_json_string_value_length', 'maxJsonStringValueLength', 1048576],
      ['max_json_object_entry_count', 'maxJsonObjectEntryCount', 10000],
      ['max_json_array_element_count', 'maxJsonArrayElementCount', 10000],
    ] as const
    for (const [key, field, fallback] of options) {
      const listener = (value: string) =>
        parseConfig(`storage "inmem" {}\nlistener "tcp" {\ntls_disable = true\n${key} = ${value}\n}`, 'hcl')
          .listeners[0]!
      assert.equal(listener('64')[field], 64)
      assert.equal(listener('"20000000"')[field], 20_000_000)
      assert.equal(listener('0')[field], undefined)
      assert.equal(parseConfig(MINIMAL, 'hcl').listeners[0]![field], undefined)
      for (const bad of ['-1', '"many"', '1.5']) {
        assert.throws(
          () => listener(bad),
          new RegExp(
            `^ConfigError: listener\\.tcp\\.${key}: must be a whole number \\(0 means the default of ${fallback}\\)$`,
          ),
          `${key} = ${bad}`,
        )
      }
    }
  })

  it('reads http_read_header_timeout and http_read_timeout as durations of at least a second', () => {
    const listener = (lines: string) =>
      parseConfig(`storage "inmem" {}\nlistener "tcp" {\ntls_disable = true\n${lines}\n}`, 'hcl')
        .listeners[0]!
    const set = listener('http_read_header_timeout = "5s"\nhttp_read_timeout = 120')
    assert.equal(set.httpReadHeaderTimeout, 5)
    assert.equal(set.httpReadTimeout, 120)
    assert.equal(parseConfig(MINIMAL, 'hcl').listeners[0]!.httpReadHeaderTimeout, undefined)
    for (const bad of ['0', '"0s"', '"soon"', '-1']) {
      assert.throws(
        () => listener(`http_read_header_timeout = ${bad}`),
        /^ConfigError: listener\.tcp\.http_read_header_timeout: must be /,
        bad,
      )
    }
  })

  it('accepts a listener’s cluster_address, as in the TLS config vault-action’s tests give Vault', () => {
    const config = parseConfig(
      [
        'ui = false',
        'disable_mlock = true',
        'listener "tcp" {',
        '  address = "[::]:8200"',
        '  cluster_address = "[::]:8201"',
        '  tls_cert_file = "/etc/vault/server.crt"',
        '  tls_key_file = "/etc/vault/server.key"',
        '  tls_client_ca_file = "/etc/vault/ca.crt"',
        '  tls_require_and_verify_client_cert = "true"',
        '}',
        'storage "file" { path = "/var/lib/vault" }',
      ].join('\n'),
      'hcl',
    )
    const listener = config.listeners[0]!
    assert.equal(listener.address, '[::]:8200')
    assert.equal(listener.tlsRequireAndVerifyClientCert, true)
    assert.equal(listener.tlsClientCaFile, '/etc/vault/ca.crt')
    assert.deepEqual(config.storage, { type: 'sqlite', path: '/var/lib/vault/coffer.db' })
  })

  it('maps log level spellings', () => {
    const level = (value: string) => parseConfig(`${MINIMAL}\nlog_level = "${value}"`, 'hcl').logLevel
    assert.equal(level('TRACE'), 'debug')
    assert.equal(level('err'), 'error')
    assert.equal(level('info'), 'info')
  })
})

describe('parseConfig errors', () => {
  const tcp = 'listener "tcp" { tls_disable = true }'
  const cases: [string, string, ConfigFormat, string | RegExp][] = [
    ['no storage', tcp, 'hcl', 'storage: exactly one storage block is required (found 0)'],
    [
      'two storages',
      `storage "inmem" {}\nbackend "inmem" {}\n${tcp}`,
      'hcl',
      'storage: exactly one storage block is required (found 2)',
    ],
    ['no listener', 'storage "inmem" {}', 'hcl', 'listener: at least one listener block is required'],
    [
      'TLS files missing',
      'storage "inmem" {}\nlistener "tcp" { address = "127.0.0.1:8200" }',
      'hcl',
      'listener.tcp: tls_cert_file and tls_key_file are required unless tls_disable = true',
    ],
    [
      'bad address',
      'storage "inmem" {}\nlistener "tcp" { address = "8200", tls_disable = true }',
      'hcl',
      /^listener\.tcp\.address: must be host:port/,
    ],
    [
      'port out of range',
      'storage "inmem" {}\nlistener "tcp" { address = "h:70000", tls_disable = true }',
      'hcl',
      /^listener\.tcp\.address:/,
    ],
    [
      'bad cluster address',
      'storage "inmem" {}\nlistener "tcp" { address = "127.0.0.1:8200", cluster_address = "8201", tls_disable = true }',
      'hcl',
      'listener.tcp.cluster_address: must be host:port, such as 127.0.0.1:8201',
    ],
    [
      'unix listener',
      'storage "inmem" {}\nlistener "unix" {}',
      'hcl',
      'listener.unix: only "tcp" listeners are supported',
    ],
    [
      'unknown listener key',
      `storage "inmem" {}\nlistener "tcp" {\ntls_disable = true\ntls_min_version = "tls12"\n}`,
      'hcl',
      /^listener\.tcp: unknown key "tls_min_version" \(supported: address, /,
    ],
    [
      'nested listener block',
      'storage "inmem" {}\nlistener "tcp" { profiling { } }',
      'hcl',
      'listener.tcp: unknown key "profiling"',
    ],
    [
      'unsupported storage',
      `storage "consul" {}\n${tcp}`,
      'hcl',
      'storage.consul: unsupported storage type (use sqlite, file, postgresql or inmem)',
    ],
    ['sqlite without path', `storage "sqlite" {}\n${tcp}`, 'hcl', 'storage.sqlite.path: is required'],
    [
      'file path not a string',
      `backend "file" { path = 3 }\n${tcp}`,
      'hcl',
      'backend.file.path: must be a string',
    ],
    [
      'unknown storage key',
      `storage "inmem" { path = "x" }\n${tcp}`,
      'hcl',
      'storage.inmem: unknown key "path"',
    ],
    [
      'unknown top-level key',
      `${MINIMAL}\ncluster_name = "x"`,
      'hcl',
      /^config: unknown key "cluster_name" \(supported: api_addr, /,
    ],
    [
      'unknown top-level block',
      `${MINIMAL}\nreplication { }`,
      'hcl',
      /^replication: unknown block on line 3/,
    ],
    ['unlabelled listener', 'listener { }', 'hcl', /^listener: line 1: expected one type label/],
    ['bad boolean', `${MINIMAL}\nui = "yes"`, 'hcl', 'ui: must be a boolean (true or false)'],
    ['bad duration', `${MINIMAL}\nmax_lease_ttl = "forever"`, 'hcl', /^max_lease_ttl: must be a duration/],
    [
      'default above max',
      `${MINIMAL}\ndefault_lease_ttl = "2h"\nmax_lease_ttl = "1h"`,
      'hcl',
      'default_lease_ttl: must not exceed max_lease_ttl',
    ],
    ['bad log level', `${MINIMAL}\nlog_level = "loud"`, 'hcl', /^log_level: must be one of/],
    ['bad api_addr', `${MINIMAL}\napi_addr = "vault:8200"`, 'hcl', /^api_addr: must be a URL/],
    [
      'bad request size',
      'storage "inmem" {}\nlistener "tcp" {\ntls_disable = true\nmax_request_size = -1\n}',
      'hcl',
      /^listener\.tcp\.max_request_size: must be a whole number/,
    ],
    [
      'HCL syntax',
      'storage "inmem" {\n  path ["x"]\n}',
      'hcl',
      `config: line 2, column 8: expected '=' after "path"`,
    ],
    ['JSON syntax', '{"storage": ', 'json', /^config: invalid JSON/],
    ['JSON not an object', '[1]', 'json', 'config: a JSON config must be an object'],
    ['JSON section not an object', '{"storage": "inmem"}', 'json', /^storage: must be an object such as/],
    ['JSON body not an object', '{"storage": {"inmem": 1}}', 'json', 'storage.inmem: must be an object'],
    [
      'second listener named by index',
      `storage "inmem" {}\n${tcp}\nlistener "tcp" { address = "x" }`,
      'hcl',
      /^listener\.tcp\[1\]\.address: must be host:port/,
    ],
  ]
  for (const [name, text, format, message] of cases) {
    it(`rejects ${name}`, () => rejects(text, format, message))
  }

  it('keeps config text out of JSON syntax errors', () => {
    assert.throws(
      () => parseConfig('{"api_addr": "https://hunter2.example"', 'json'),
      (error: Error) => !error.message.includes('hunter2'),
    )
  })
})

describe('parseConfig client-certificate listener options', () => {
  const tls = (extra: string) =>
    `storage "inmem" {}\nlistener "tcp" {\n  tls_cert_file = "c.pem"\n  tls_key_file = "k.pem"\n${extra}\n}`

  it('reads tls_require_and_verify_client_cert, tls_client_ca_file and tls_disable_client_certs', () => {
    const required = parseConfig(
      tls('  tls_require_and_verify_client_cert = true\n  tls_client_ca_file = "ca.pem"'),
      'hcl',
    ).listeners[0]!
    assert.equal(required.tlsRequireAndVerifyClientCert, true)
    assert.equal(required.tlsClientCaFile, 'ca.pem')
    const off = parseConfig(tls('  tls_disable_client_certs = "true"'), 'hcl').listeners[0]!
    assert.equal(off.tlsDisableClientCerts, true)
    const plain = parseConfig(tls(''), 'hcl').listeners[0]!
    assert.equal(plain.tlsRequireAndVerifyClientCert, undefined)
  })

  it('refuses contradictions and client-certificate options on a plain-HTTP listener', () => {
    rejects(
      tls('  tls_require_and_verify_client_cert = true\n  tls_disable_client_certs = true'),
      'hcl',
      'listener.tcp: tls_require_and_verify_client_cert and tls_disable_client_certs are mutually exclusive',
    )
    rejects(
      `storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  tls_client_ca_file = "ca.pem"\n}`,
      'hcl',
      'listener.tcp.tls_client_ca_file: has no effect with tls_disable = true; remove it or enable TLS',
    )
    rejects(tls('  tls_require_and_verify_client_cert = "maybe"'), 'hcl', /must be a boolean/)
  })
})

describe('user_lockout blocks', () => {
  it('reads lockout defaults for all auth methods and per type, in HCL and JSON', () => {
    const hcl = parseConfig(
      `${MINIMAL}\nuser_lockout "all" {\n  lockout_threshold = 10\n  lockout_duration = "30m"\n}\nuser_lockout "userpass" {\n  lockout_counter_reset = "5m"\n  disable_lockout = "false"\n}`,
      'hcl',
    )
    assert.deepEqual(hcl.userLockout, {
      all: { threshold: 10, duration: 1800 },
      userpass: { counterReset: 300, disable: false },
    })
    const json = parseConfig(
      JSON.stringify({
        storage: { inmem: {} },
        listener: { tcp: { tls_disable: true } },
        user_lockout: { approle: { lockout_threshold: '3' } },
      }),
      'json',
    )
    assert.deepEqual(json.userLockout, { approle: { threshold: 3 } })
    assert.equal(parseConfig(MINIMAL, 'hcl').userLockout, undefined)
  })

  it('names the key in every user_lockout error', () => {
    const bad = (block: string) => () => parseConfig(`${MINIMAL}\n${block}`, 'hcl')
    assert.throws(bad('user_lockout "ldapish" { lockout_threshold = 1 }'), {
      message: /user_lockout\.ldapish: unknown auth method type/,
    })
    assert.throws(bad('user_lockout "all" { lockout_threshold = -1 }'), {
      message: /user_lockout\.all\.lockout_threshold: must be a whole number/,
    })
    assert.throws(bad('user_lockout "all" { lockout_duration = "soon" }'), {
      message: /user_lockout\.all\.lockout_duration/,
    })
    assert.throws(bad('user_lockout "all" { threshold = 3 }'), {
      message: /user_lockout\.all\.threshold: unknown key/,
    })
    assert.throws(bad('user_lockout "all" {}\nuser_lockout "all" {}'), {
      message: /user_lockout\.all: appears twice/,
    })
  })
})

describe('list_filter', () => {
  it('defaults to policy filtering and accepts "vault" in HCL and JSON', () => {
    assert.equal(parseConfig(MINIMAL, 'hcl').listFilter, undefined)
    assert.equal(parseConfig(`${MINIMAL}\nlist_filter = "vault"`, 'hcl').listFilter, 'vault')
    assert.equal(parseConfig(`${MINIMAL}\nlist_filter = "Policy"`, 'hcl').listFilter, 'policy')
    const json = { storage: { inmem: {} }, listener: { tcp: { tls_disable: true } }, list_filter: 'vault' }
    assert.equal(parseConfig(JSON.stringify(json), 'json').listFilter, 'vault')
  })

  it('refuses any other value, naming both choices', () => {
    assert.throws(
      () => parseConfig(`${MINIMAL}\nlist_filter = "none"`, 'hcl'),
      /list_filter: must be "policy" .* or "vault"/,
    )
    assert.throws(() => parseConfig(`${MINIMAL}\nlist_filter = true`, 'hcl'), /list_filter: must be a string/)
  })
})

describe('api_addr and cluster_addr', () => {
  const base = 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n'
  it('reads both, and the environment (COFFER_API_ADDR, COFFER_CLUSTER_ADDR) wins over the file', () => {
    const text = `${base}api_addr = "https://file.example:8200"\ncluster_addr = "https://file.example:8201"\n`
    const fromFile = parseConfig(text, 'hcl')
    assert.equal(fromFile.apiAddr, 'https://file.example:8200')
    assert.equal(fromFile.clusterAddr, 'https://file.example:8201')
    process.env['COFFER_API_ADDR'] = 'https://10.0.0.5:8200'
    process.env['COFFER_CLUSTER_ADDR'] = 'https://10.0.0.5:8201'
    try {
      const fromEnv = parseConfig(text, 'hcl')
      assert.equal(fromEnv.apiAddr, 'https://10.0.0.5:8200')
      assert.equal(fromEnv.clusterAddr, 'https://10.0.0.5:8201')
    } finally {
      delete process.env['COFFER_API_ADDR']
      delete process.env['COFFER_CLUSTER_ADDR']
    }
  })

  it('refuses a cluster_addr that is not an http(s) URL, naming the key', () => {
    assert.throws(
      () => parseConfig(`${base}cluster_addr = "10.0.0.5:8201"\n`, 'hcl'),
      /cluster_addr: must be a URL/,
    )
  })
})
