// The agent config loader: Vault Agent's HCL shapes, defaults, octal modes, and refusals inside template blocks.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AgentConfigError, parseAgentConfig } from './agent-config.ts'

test('a typical Vault Agent config', () => {
  const config = parseAgentConfig(`
pid_file = "./pidfile"
vault { address = "http://127.0.0.1:8200" }
auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path = "/etc/agent/role-id"
      secret_id_file_path = "/etc/agent/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" { config = { path = "/tmp/token", mode = 0600 } }
}
template_config { static_secret_render_interval = "10s" }
template {
  contents    = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.password }}{{ end }}"
  destination = "/tmp/app.txt"
  perms       = "0640"
  command     = "systemctl reload app"
  error_on_missing_key = true
}
template {
  source      = "/etc/agent/db.ctmpl"
  destination = "/tmp/db.env"
}
`)
  assert.equal(config.vault.address, 'http://127.0.0.1:8200')
  assert.deepEqual(config.autoAuth, {
    method: {
      type: 'approle',
      mountPath: 'auth/approle',
      roleIdFile: '/etc/agent/role-id',
      secretIdFile: '/etc/agent/secret-id',
      removeSecretIdFile: false,
    },
    sinks: [{ path: '/tmp/token', mode: 0o600 }],
  })
  assert.equal(config.renderIntervalMs, 10_000)
  assert.equal(config.templates.length, 2)
  const [first, second] = config.templates
  assert.equal(first?.perms, 0o640)
  assert.equal(first?.errorOnMissingKey, true)
  assert.equal(first?.command, 'systemctl reload app')
  assert.equal(second?.source, '/etc/agent/db.ctmpl')
  assert.equal(second?.perms, undefined, 'not set: the existing file keeps its mode, a new one gets 0644')
  assert.equal(second?.errorOnMissingKey, false)
  assert.equal(config.exitAfterAuth, false)
})

test('defaults: mount path auth/<type>, secret ID file removed after reading, sink mode 0640, 5m interval', () => {
  const config = parseAgentConfig(`
exit_after_auth = true
auto_auth {
  method { type = "approle"  config { role_id_file_path = "r" } }
  sink "file" { config = { path = "t" } }
}`)
  assert.equal(config.exitAfterAuth, true)
  assert.deepEqual(config.autoAuth?.method, {
    type: 'approle',
    mountPath: 'auth/approle',
    roleIdFile: 'r',
    secretIdFile: undefined,
    removeSecretIdFile: true,
  })
  assert.equal(config.autoAuth?.sinks[0]?.mode, 0o640)
  assert.equal(config.renderIntervalMs, 300_000)
  const tokenFile = parseAgentConfig(
    'auto_auth { method "token_file" { config = { token_file_path = "/t" } } }',
  )
  assert.deepEqual(tokenFile.autoAuth?.method, {
    type: 'token_file',
    mountPath: 'auth/token_file',
    tokenFile: '/t',
  })
})

test('unknown keys are refused inside template blocks and tolerated elsewhere', () => {
  assert.throws(
    () => parseAgentConfig('template {\n contents = "x"\n destination = "/d"\n destinaton = "/e"\n}'),
    (error: unknown) =>
      error instanceof AgentConfigError &&
      /line 1: unknown key "destinaton" in template block/.test((error as Error).message),
  )
  assert.throws(
    () => parseAgentConfig('template { contents = "x"\n destination = "/d"\n wait { min = "1s" } }'),
    /unknown block "wait"/,
  )
  const tolerant = parseAgentConfig(
    'listener "tcp" {\n address = "127.0.0.1:8100"\n tls_disable = true\n}\ncache {}\nsomething = 1\ntemplate { contents = "x"\n destination = "/d" }',
  )
  assert.equal(tolerant.templates.length, 1)
})

test('exec mode: env_template blocks and the exec block', () => {
  const config = parseAgentConfig(`
env_template "DB_PASSWORD" {
  contents = "{{ with secret \\"secret/data/db\\" }}{{ .Data.data.password }}{{ end }}"
  error_on_missing_key = true
}
exec {
  command = ["./app", "--serve"]
  restart_stop_signal = "sighup"
}`)
  assert.deepEqual(config.exec, {
    command: ['./app', '--serve'],
    restartOnSecretChanges: true,
    restartStopSignal: 'SIGHUP',
  })
  assert.equal(config.envTemplates[0]?.name, 'DB_PASSWORD')
  assert.equal(config.envTemplates[0]?.errorOnMissingKey, true)
  for (const [text, why] of [
    ['env_template "X" { contents = "a" }', /need an exec block/],
    [
      'env_template "X" { contents = "a"\n destination = "/x" }\nexec { command = ["a"] }',
      /unknown key "destination" in env_template/,
    ],
    ['env_template "1X" { contents = "a" }\nexec { command = ["a"] }', /environment variable name/],
    ['exec { command = "a b" }', /non-empty list/],
    ['exec { command = ["a"]\n restart_on_secret_changes = "sometimes" }', /"always" or "never"/],
    ['exit_after_auth = true\nexec { command = ["a"] }', /cannot be combined/],
  ] as const) {
    assert.throws(() => parseAgentConfig(text), why, text)
  }
})

const NO_SOCKET = { socketMode: undefined, socketUser: undefined, socketGroup: undefined }

test('listeners with api_proxy (or the older cache block) for the auto-auth token', () => {
  const auth = 'auto_auth { method "approle" { config = { role_id_file_path = "r" } } }\n'
  const proxy = parseAgentConfig(
    `${auth}api_proxy { use_auto_auth_token = "force" }\nlistener "tcp" {\n address = "127.0.0.1:8100"\n tls_disable = true\n}`,
  )
  assert.deepEqual(proxy.listeners, [
    {
      type: 'tcp',
      address: '127.0.0.1:8100',
      ...NO_SOCKET,
      useAutoAuthToken: 'force',
      cache: false,
      maxRequestSize: 32 * 1024 * 1024,
    },
  ])
  assert.equal(proxy.cache, undefined)
  const cache = parseAgentConfig(
    `${auth}cache { use_auto_auth_token = true }\nlistener "tcp" { tls_disable = true }`,
  )
  assert.deepEqual(cache.listeners, [
    {
      type: 'tcp',
      address: '127.0.0.1:8200',
      ...NO_SOCKET,
      useAutoAuthToken: true,
      cache: true,
      maxRequestSize: 32 * 1024 * 1024,
    },
  ])
  assert.throws(() => parseAgentConfig('listener "tcp" { address = "0.0.0.0:8100" }'), /tls_disable = true/)
  assert.throws(
    () => parseAgentConfig('listener "quic" {\n address = "/s"\n tls_disable = true }'),
    /"quic" is not supported/,
  )
  assert.throws(
    () => parseAgentConfig('api_proxy { use_auto_auth_token = true }\nlistener "tcp" { tls_disable = true }'),
    /needs an auto_auth block/,
  )
})

test('the auto-auth token is added only on loopback listeners, unless a listener says it may go further', () => {
  const auth =
    'auto_auth { method "approle" { config = { role_id_file_path = "r" } } }\napi_proxy { use_auto_auth_token = true }\n'
  const tcp = (address: string, extra = '') =>
    `${auth}listener "tcp" {\n address = "${address}"\n tls_disable = true\n${extra}}`
  for (const address of ['127.0.0.1:8100', '127.8.9.1:8100', '[::1]:8100', 'localhost:8100', ':8100'])
    assert.equal(parseAgentConfig(tcp(address)).listeners.length, 1, address)
  for (const address of [
    '0.0.0.0:8100',
    '[::]:8100',
    '10.0.0.5:8100',
    'agent.internal:8100',
    '127.0.0.1.nip.io:1',
  ])
    assert.throws(() => parseAgentConfig(tcp(address)), /not a loopback address/, address)
  const opened = parseAgentConfig(tcp('0.0.0.0:8100', ' allow_non_loopback_auto_auth_token = true\n'))
  assert.equal(opened.listeners[0]?.useAutoAuthToken, true)
  // Without the agent's token on it, a wider listener hands out nothing the caller does not already hold.
  const plain = parseAgentConfig('listener "tcp" {\n address = "0.0.0.0:8100"\n tls_disable = true\n}')
  assert.equal(plain.listeners[0]?.useAutoAuthToken, false)
})

test('unix listeners: the socket path, its mode (octal), owner and group', () => {
  const config = parseAgentConfig(
    'listener "unix" {\n address = "/run/agent.sock"\n socket_mode = "0660"\n socket_user = "app"\n socket_group = 1001\n tls_disable = true\n}',
  )
  assert.deepEqual(config.listeners, [
    {
      type: 'unix',
      address: '/run/agent.sock',
      socketMode: 0o660,
      socketUser: 'app',
      socketGroup: '1001',
      useAutoAuthToken: false,
      cache: false,
      maxRequestSize: 32 * 1024 * 1024,
    },
  ])
  const sized = parseAgentConfig('listener "tcp" {\n tls_disable = true\n max_request_size = 4096\n}')
  assert.equal(sized.listeners[0]?.maxRequestSize, 4096)
  for (const [text, why] of [
    ['listener "unix" { tls_disable = true }', /needs address/],
    ['listener "unix" {\n address = "/s"\n socket_mode = "rw"\n tls_disable = true }', /file mode/],
    ['listener "unix" {\n address = "/s"\n socket_user = "a b"\n tls_disable = true }', /user or group/],
    ['listener "unix" {\n address = "/s" }', /tls_disable = true/],
    ['listener "tcp" {\n socket_mode = "0600"\n tls_disable = true }', /unix listeners only/],
    ['listener "tcp" {\n tls_disable = true\n max_request_size = -1 }', /cannot turn the limit off/],
    ['listener "tcp" {\n tls_disable = true\n max_request_size = "big" }', /whole number of bytes/],
  ] as const)
    assert.throws(() => parseAgentConfig(text), why, text)
})

test('the cache block: static secrets, capability refresh and stale_if_error; revoke_on_shutdown', () => {
  const listener = 'listener "tcp" { tls_disable = true }\n'
  const defaults = parseAgentConfig(`${listener}cache {}`)
  assert.deepEqual(defaults.cache, { staticSecrets: false, capabilityRefreshMs: 300_000, staleIfErrorMs: 0 })
  assert.equal(defaults.revokeOnShutdown, false)
  const set = parseAgentConfig(
    `${listener}revoke_on_shutdown = true\ncache {\n cache_static_secrets = true\n static_secret_token_capability_refresh_interval = "1m"\n stale_if_error = "30s"\n}`,
  )
  assert.deepEqual(set.cache, { staticSecrets: true, capabilityRefreshMs: 60_000, staleIfErrorMs: 30_000 })
  assert.equal(set.revokeOnShutdown, true)
  assert.throws(() => parseAgentConfig(`${listener}cache { stale_if_error = "soon" }`), /stale_if_error/)
  assert.throws(
    () => parseAgentConfig(`${listener}cache { static_secret_token_capability_refresh_interval = "0s" }`),
    /must be positive/,
  )
})

test('invalid configs say what is wrong', () => {
  for (const [text, why] of [
    ['template { destination = "/d" }', /exactly one of source and contents/],
    ['template { source = "a"\n contents = "b"\n destination = "/d" }', /exactly one of source and contents/],
    ['template { contents = "b" }', /needs a destination/],
    ['template { contents = "b"\n destination = "/d"\n perms = "rw" }', /file mode/],
    ['auto_auth { method "kerberos" {} }', /"kerberos" is not supported/],
    ['auto_auth { method "jwt" { config = { path = "/j" } } }', /needs config.role/],
    ['auto_auth { method "approle" { config = {} } }', /needs config.role_id_file_path/],
    ['auto_auth { sink "file" { config = { path = "x" } } }', /exactly one method/],
    [
      'auto_auth { method "approle" { config = { role_id_file_path = "r" } }\n sink "file" { config = {} } }',
      /needs config.path/,
    ],
    ['pid_file = "x"', /nothing to do/],
    // Asked to protect the token in ways Coffer does not implement: refused, never written in clear.
    [
      'auto_auth { method "approle" { config = { role_id_file_path = "r" } }\n sink "file" {\n wrap_ttl = "5m"\n config = { path = "t" } } }',
      /line 2: wrap_ttl in a sink is not supported/,
    ],
    [
      'auto_auth { method "approle" { config = { role_id_file_path = "r" } }\n sink "file" {\n dh_type = "curve25519"\n dh_path = "/p"\n config = { path = "t" } } }',
      /dh_type in a sink is not supported/,
    ],
    [
      'auto_auth { method "approle" {\n wrap_ttl = "1m"\n config = { role_id_file_path = "r" } }\n sink "file" { config = { path = "t" } } }',
      /wrap_ttl in method "approle" is not supported/,
    ],
    [
      'auto_auth { method "approle" { config = { role_id_file_path = "r", secret_id_file_path = "s", secret_id_response_wrapping_path = "auth/approle/role/x/secret-id" } } }',
      /secret_id_response_wrapping_path in method "approle" is not supported/,
    ],
    ['template {', /line/],
  ] as const) {
    assert.throws(
      () => parseAgentConfig(text),
      (error: unknown) => error instanceof AgentConfigError && why.test((error as Error).message),
      text,
    )
  }
})
