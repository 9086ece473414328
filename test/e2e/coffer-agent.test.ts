// End-to-end: `coffer agent` as a real process: AppRole auto-auth, file sink, templates, re-render, re-auth.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { withDeadline } from '../helpers/deadline.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined
}

describe('coffer agent against a dev server', () => {
  let t: TestServer
  let temp: ReturnType<typeof makeTempDir>
  let roleIdFile: string
  const agents: ChildProcess[] = []

  const newSecretIdFile = async (name: string) => {
    const secretId = (await t.call('POST', 'auth/approle/role/app/secret-id')).body.data.secret_id as string
    const file = join(temp.dir, name)
    writeFileSync(file, secretId)
    return file
  }

  const startAgent = (config: string) => {
    const file = join(temp.dir, `agent-${agents.length}.hcl`)
    writeFileSync(file, config)
    const child = spawn(process.execPath, [ENTRY, 'agent', `-config=${file}`], {
      env: { PATH: process.env['PATH'] ?? '', HOME: temp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    agents.push(child)
    let log = ''
    child.stdout!.on('data', (c: Buffer) => (log += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    return {
      child,
      log: () => log,
      exited: () => withDeadline(exited, `the agent exits; log:\n${log}`),
      async until(what: string, check: () => boolean | Promise<boolean>) {
        await withDeadline(
          (async () => {
            while (!(await check())) await delay(50)
          })(),
          `${what}; agent log:\n${log}`,
        )
      },
    }
  }

  before(async () => {
    t = await startDevServer()
    temp = makeTempDir('coffer-agent-')
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    await t.call('PUT', 'sys/policies/acl/app', {
      body: { policy: 'path "secret/data/app" { capabilities = ["read"] }' },
    })
    const role = await t.call('POST', 'auth/approle/role/app', {
      body: { token_policies: ['app'], token_ttl: '1h' },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    roleIdFile = join(temp.dir, 'role-id')
    writeFileSync(roleIdFile, (await t.call('GET', 'auth/approle/role/app/role-id')).body.data.role_id)
    const put = await t.call('POST', 'secret/data/app', { body: { data: { password: 'one', extra: 'e1' } } })
    assert.equal(put.status, 200)
  })
  after(async () => {
    for (const agent of agents) if (agent.exitCode === null) agent.kill('SIGKILL')
    await t?.close()
    temp?.remove()
  })

  it('authenticates with AppRole, writes the sink and templates, re-renders on change and re-authenticates after revocation', async () => {
    const secretIdFile = await newSecretIdFile('secret-id')
    const sink = join(temp.dir, 'token')
    const out = join(temp.dir, 'out', 'app.txt')
    const strict = join(temp.dir, 'strict.txt')
    const agent = startAgent(`
vault { address = "${t.address}" }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
  sink "file" { config = { path = "${sink}", mode = 0600 } }
}
template_config { static_secret_render_interval = "1s" }
template {
  contents    = <<EOT
{{- with secret "secret/data/app" -}}
password={{ .Data.data.password }}
{{ end -}}
EOT
  destination = "${out}"
  perms       = "0640"
}
template {
  contents             = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.extra }}{{ end }}"
  destination          = "${strict}"
  error_on_missing_key = true
}
`)
    await agent.until('the sink file is written', () => existsSync(sink))
    assert.equal(statSync(sink).mode & 0o777, 0o600)
    const firstToken = readFileSync(sink, 'utf8')
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token: firstToken })
    assert.equal(lookup.status, 200)
    assert.ok(lookup.body.data.policies.includes('app'))
    assert.equal(existsSync(secretIdFile), false, 'the secret ID file is removed after reading (the default)')

    await agent.until('the template is rendered', () => readIfExists(out) === 'password=one\n')
    assert.equal(statSync(out).mode & 0o777, 0o640)
    await agent.until('the strict template is rendered', () => readIfExists(strict) === 'e1')

    // A change is rendered at the next poll; the strict template fails on the missing key and keeps its last file.
    await t.call('POST', 'secret/data/app', { body: { data: { password: 'two' } } })
    await agent.until('the change is rendered', () => readIfExists(out) === 'password=two\n')
    await agent.until('the missing key is reported', () =>
      /map has no entry for key "extra"/.test(agent.log()),
    )
    assert.equal(readFileSync(strict, 'utf8'), 'e1')

    // Revoke the agent's token: the next read gets 403 and the agent logs in again with the remembered secret ID.
    assert.equal((await t.call('POST', 'auth/token/revoke', { body: { token: firstToken } })).status, 204)
    await agent.until('a new token reaches the sink', () => {
      const token = readIfExists(sink)
      return token !== undefined && token !== '' && token !== firstToken
    })
    const secondToken = readFileSync(sink, 'utf8')
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token: secondToken })).status, 200)
    await t.call('POST', 'secret/data/app', { body: { data: { password: 'three' } } })
    await agent.until('rendering goes on with the new token', () => readIfExists(out) === 'password=three\n')
    assert.ok(!agent.log().includes(firstToken) && !agent.log().includes(secondToken), 'no token in the log')

    agent.child.kill('SIGTERM')
    assert.equal(await agent.exited(), 0)
  })

  it('logs in again before a short-lived token reaches its max TTL, without being told', async () => {
    const role = await t.call('POST', 'auth/approle/role/short', {
      body: { token_policies: ['app'], token_ttl: '3s', token_max_ttl: '3s' },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    const shortRoleId = join(temp.dir, 'short-role-id')
    writeFileSync(shortRoleId, (await t.call('GET', 'auth/approle/role/short/role-id')).body.data.role_id)
    const secretIdFile = join(temp.dir, 'short-secret-id')
    writeFileSync(
      secretIdFile,
      (await t.call('POST', 'auth/approle/role/short/secret-id')).body.data.secret_id,
    )
    const sink = join(temp.dir, 'short-token')
    const agent = startAgent(`
vault { address = "${t.address}" }
auto_auth {
  method "approle" {
    config = { role_id_file_path = "${shortRoleId}", secret_id_file_path = "${secretIdFile}" }
  }
  sink "file" { config = { path = "${sink}" } }
}
`)
    await agent.until('the first token is written', () => existsSync(sink))
    const first = readFileSync(sink, 'utf8')
    await agent.until('a second token replaces it before the first one expires', () => {
      const token = readIfExists(sink)
      return token !== undefined && token !== first
    })
    assert.equal(
      (await t.call('GET', 'auth/token/lookup-self', { token: readFileSync(sink, 'utf8') })).status,
      200,
    )
    agent.child.kill('SIGTERM')
    assert.equal(await agent.exited(), 0)
  })

  it('token_file auto-auth passes the token from the file to the sink', async () => {
    const created = await t.call('POST', 'auth/token/create', { body: { policies: ['app'], ttl: '1h' } })
    const token = created.body.auth.client_token as string
    const tokenFile = join(temp.dir, 'given-token')
    writeFileSync(tokenFile, `${token}\n`)
    const sink = join(temp.dir, 'token-file-sink')
    const out = join(temp.dir, 'token-file.txt')
    const agent = startAgent(`
exit_after_auth = true
vault { address = "${t.address}" }
auto_auth {
  method "token_file" { config = { token_file_path = "${tokenFile}" } }
  sink "file" { config = { path = "${sink}", mode = 0600 } }
}
template {
  contents    = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data.password }}{{ end }}"
  destination = "${out}"
}
`)
    assert.equal(await agent.exited(), 0, agent.log())
    assert.equal(readFileSync(sink, 'utf8'), token)
    assert.equal(readFileSync(out, 'utf8'), 'three')
  })

  it('jwt auto-auth logs in with the JWT file, removing it after reading by default', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    assert.equal((await t.call('POST', 'sys/auth/jwt', { body: { type: 'jwt' } })).status, 204)
    const config = await t.call('POST', 'auth/jwt/config', {
      body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: 'https://issuer.test' },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    const role = await t.call('POST', 'auth/jwt/role/agent', {
      body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['coffer'], token_policies: ['app'] },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    const jwt = await new SignJWT({ sub: 'workload-1' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://issuer.test')
      .setAudience('coffer')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
    const jwtFile = join(temp.dir, 'jwt')
    writeFileSync(jwtFile, jwt)
    const sink = join(temp.dir, 'jwt-sink')
    const agent = startAgent(`
exit_after_auth = true
vault { address = "${t.address}" }
auto_auth {
  method "jwt" { config = { path = "${jwtFile}", role = "agent" } }
  sink "file" { config = { path = "${sink}" } }
}
`)
    assert.equal(await agent.exited(), 0, agent.log())
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token: readFileSync(sink, 'utf8') })
    assert.equal(lookup.status, 200)
    assert.ok(lookup.body.data.policies.includes('app'))
    assert.equal(existsSync(jwtFile), false)
    assert.ok(!agent.log().includes(jwt), 'the JWT is not logged')
  })

  it('exec mode runs the command with env_template values, restarts it on change and exits with its status', async () => {
    await t.call('POST', 'secret/data/exec', { body: { data: { mode: 'one' } } })
    await t.call('PUT', 'sys/policies/acl/exec', {
      body: { policy: 'path "secret/data/exec" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'auth/approle/role/exec', { body: { token_policies: ['exec'] } })
    const roleId = join(temp.dir, 'exec-role-id')
    writeFileSync(roleId, (await t.call('GET', 'auth/approle/role/exec/role-id')).body.data.role_id)
    const secretId = join(temp.dir, 'exec-secret-id')
    writeFileSync(secretId, (await t.call('POST', 'auth/approle/role/exec/secret-id')).body.data.secret_id)
    const script = [
      'const mode = process.env.APP_MODE',
      "console.log('mode=' + mode)",
      "if (mode === 'exit') process.exit(4)",
      "process.on('SIGTERM', () => process.exit(0))",
      'setInterval(() => {}, 1000)',
    ].join('; ')
    const agent = startAgent(`
vault { address = "${t.address}" }
auto_auth {
  method "approle" { config = { role_id_file_path = "${roleId}", secret_id_file_path = "${secretId}" } }
}
template_config { static_secret_render_interval = "1s" }
env_template "APP_MODE" {
  contents             = "{{ with secret \\"secret/data/exec\\" }}{{ .Data.data.mode }}{{ end }}"
  error_on_missing_key = true
}
exec {
  command                   = [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(script)}]
  restart_on_secret_changes = "always"
}
`)
    await agent.until('the child starts with the first value', () => /mode=one/.test(agent.log()))
    await t.call('POST', 'secret/data/exec', { body: { data: { mode: 'two' } } })
    await agent.until('the child is restarted with the new value', () => /mode=two/.test(agent.log()))
    assert.match(agent.log(), /an env_template changed; restarting/)
    await t.call('POST', 'secret/data/exec', { body: { data: { mode: 'exit' } } })
    assert.equal(await agent.exited(), 4, agent.log())
  })

  it('the api proxy forwards requests with the auto-auth token, and keeps a token the client sent', async () => {
    const secretIdFile = await newSecretIdFile('proxy-secret-id')
    const agent = startAgent(`
vault { address = "${t.address}" }
auto_auth {
  method "approle" { config = { role_id_file_path = "${roleIdFile}", secret_id_file_path = "${secretIdFile}" } }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`)
    await agent.until('the proxy listens', () => /api proxy listening on \S+/.test(agent.log()))
    const proxy = `http://${/api proxy listening on (\S+)/.exec(agent.log())![1]}`
    const read = await fetch(`${proxy}/v1/secret/data/app`)
    assert.equal(read.status, 200)
    assert.equal(
      ((await read.json()) as { data: { data: { password: string } } }).data.data.password,
      'three',
    )
    const self = (await (await fetch(`${proxy}/v1/auth/token/lookup-self`)).json()) as {
      data: { policies: string[] }
    }
    assert.ok(self.data.policies.includes('app'), 'the agent token (policy app) was used')
    const own = await fetch(`${proxy}/v1/auth/token/lookup-self`, {
      headers: { 'X-Vault-Token': t.rootToken },
    })
    assert.deepEqual(((await own.json()) as { data: { policies: string[] } }).data.policies, ['root'])
    const written = await fetch(`${proxy}/v1/secret/data/proxied`, {
      method: 'POST',
      headers: { 'X-Vault-Token': t.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { k: 'v' } }),
    })
    assert.equal(written.status, 200, 'bodies are forwarded')
    assert.equal((await t.call('GET', 'secret/data/proxied')).body.data.data.k, 'v')
    agent.child.kill('SIGTERM')
    assert.equal(await agent.exited(), 0)
  })

  it('a read the policy denies does not make the agent log in again at every render', async () => {
    const secretIdFile = await newSecretIdFile('denied-secret-id')
    const sink = join(temp.dir, 'denied-token')
    const agent = startAgent(`
vault { address = "${t.address}" }
auto_auth {
  method "approle" { config = { role_id_file_path = "${roleIdFile}", secret_id_file_path = "${secretIdFile}" } }
  sink "file" { config = { path = "${sink}" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  contents    = "{{ with secret \\"secret/data/not-allowed\\" }}{{ .Data.data.x }}{{ end }}"
  destination = "${join(temp.dir, 'denied.txt')}"
}
`)
    await agent.until(
      'three renders are refused',
      () => (agent.log().match(/reading secret\/data\/not-allowed: permission denied/g) ?? []).length >= 3,
    )
    assert.equal((agent.log().match(/authenticated \(approle\)/g) ?? []).length, 1, 'one login only')
    assert.equal(
      (await t.call('GET', 'auth/token/lookup-self', { token: readFileSync(sink, 'utf8') })).status,
      200,
    )
    agent.child.kill('SIGTERM')
    assert.equal(await agent.exited(), 0)
  })

  it('exit_after_auth writes the sink and renders once, then exits 0', async () => {
    const secretIdFile = await newSecretIdFile('secret-id-once')
    const sink = join(temp.dir, 'token-once')
    const out = join(temp.dir, 'once.json')
    const agent = startAgent(`
exit_after_auth = true
vault { address = "${t.address}" }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
template {
  contents    = "{{ with secret \\"secret/data/app\\" }}{{ .Data.data | toJSON }}{{ end }}"
  destination = "${out}"
}
`)
    assert.equal(await agent.exited(), 0, agent.log())
    assert.equal(statSync(sink).mode & 0o777, 0o640)
    assert.equal(existsSync(secretIdFile), true)
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { password: 'three' })
  })

  it('refuses a config with an unknown template key before doing anything', async () => {
    const agent = startAgent(
      `template {\n  contents = "x"\n  destination = "${join(temp.dir, 'never')}"\n  destinaton = "typo"\n}\n`,
    )
    assert.equal(await agent.exited(), 1)
    assert.match(agent.log(), /unknown key "destinaton" in template block/)
  })
})
