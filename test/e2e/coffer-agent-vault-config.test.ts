// End-to-end: a configuration written for Vault Agent, in its documented syntax, runs unchanged under `coffer agent`.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type AgentProcess, readIfExists, startAgent } from '../helpers/agent-process.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

describe('coffer agent with a Vault Agent configuration', () => {
  let t: TestServer
  let temp: ReturnType<typeof makeTempDir>
  let agent: AgentProcess | undefined

  before(async () => {
    t = await startDevServer()
    temp = makeTempDir('coffer-agent-vault-config-')
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await t.call('PUT', 'sys/policies/acl/web', {
      body: { policy: 'path "secret/data/web/*" { capabilities = ["read"] }' },
    })
    assert.equal(
      (await t.call('POST', 'auth/approle/role/web', { body: { token_policies: ['web'], token_ttl: '1h' } }))
        .status,
      204,
    )
    await t.call('POST', 'secret/data/web/db', {
      body: { data: { username: 'app', password: 'pw-first-3b9' } },
    })
    await t.call('POST', 'secret/data/web/api', { body: { data: { key: 'k1' } } })
  })
  after(async () => {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL')
    await t?.close()
    temp?.remove()
  })

  it('loads pid_file, vault, auto_auth approle with a file sink, template_config and two templates with a command, and renders both', async () => {
    const dir = temp.dir
    const roleIdFile = join(dir, 'role-id')
    const secretIdFile = join(dir, 'secret-id')
    writeFileSync(roleIdFile, (await t.call('GET', 'auth/approle/role/web/role-id')).body.data.role_id)
    writeFileSync(secretIdFile, (await t.call('POST', 'auth/approle/role/web/secret-id')).body.data.secret_id)
    writeFileSync(
      join(dir, 'db.ctmpl'),
      '{{ with secret "secret/data/web/db" }}DB_USER={{ .Data.data.username }}\nDB_PASS={{ .Data.data.password }}\n{{ end }}',
    )
    writeFileSync(
      join(dir, 'api.ctmpl'),
      '{{- with secret "secret/data/web/api" -}}\n{{ .Data.data | toJSON }}\n{{- end }}',
    )
    const sink = join(dir, 'vault-token')
    const dbOut = join(dir, 'render', 'db.env')
    const apiOut = join(dir, 'render', 'api.json')
    const reloaded = join(dir, 'reloaded')

    // The layout of Vault Agent's documentation, keys it reads that Coffer has no use for included.
    agent = startAgent(
      join(dir, 'agent.hcl'),
      `pid_file = "${join(dir, 'pidfile')}"

vault {
  address = "${t.address}"
  retry {
    num_retries = 5
  }
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                   = "${roleIdFile}"
      secret_id_file_path                 = "${secretIdFile}"
      remove_secret_id_file_after_reading = false
    }
  }

  sink "file" {
    config = {
      path = "${sink}"
    }
  }
}

template_config {
  static_secret_render_interval = "1s"
  exit_on_retry_failure         = true
}

template {
  source      = "${join(dir, 'db.ctmpl')}"
  destination = "${dbOut}"
  perms       = "0600"
  command     = "echo reloaded >> ${reloaded}"
}

template {
  source      = "${join(dir, 'api.ctmpl')}"
  destination = "${apiOut}"
  perms       = 0640
}
`,
      dir,
    )
    await agent.until('the sink is written', () => (readIfExists(sink) ?? '') !== '')
    assert.equal(
      (await t.call('GET', 'auth/token/lookup-self', { token: readFileSync(sink, 'utf8') })).status,
      200,
      'the sink holds a live token',
    )
    assert.ok(existsSync(secretIdFile), 'remove_secret_id_file_after_reading = false keeps the file')

    await agent.until(
      'the first template renders',
      () => readIfExists(dbOut) === 'DB_USER=app\nDB_PASS=pw-first-3b9\n',
    )
    await agent.until('the second template renders', () => readIfExists(apiOut) === '{"key":"k1"}')
    assert.equal(statSync(dbOut).mode & 0o777, 0o600)
    assert.equal(statSync(apiOut).mode & 0o777, 0o640)
    await agent.until('the command runs after the render', () => readIfExists(reloaded) === 'reloaded\n')

    await t.call('POST', 'secret/data/web/db', {
      body: { data: { username: 'app', password: 'pw-second-7c2' } },
    })
    await agent.until(
      'a change is rendered',
      () => readIfExists(dbOut) === 'DB_USER=app\nDB_PASS=pw-second-7c2\n',
    )
    await agent.until('the command runs again', () => readIfExists(reloaded) === 'reloaded\nreloaded\n')
    assert.ok(
      !agent.log().includes('pw-first-3b9') && !agent.log().includes('pw-second-7c2'),
      'no value in the log',
    )
    assert.equal(await agent.stop(), 0)
  })
})
