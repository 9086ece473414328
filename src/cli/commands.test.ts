// Command behaviour against a scripted server: request shapes, KV v1/v2 routing, patch fallback, tokens.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fakeServer, type Handler, run, type SeenRequest } from './test-io.ts'

const V2_MOUNT = { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
const V1_MOUNT = { status: 200, body: { data: { path: 'kv/', type: 'kv', options: { version: '1' } } } }

let handler: Handler = () => ({ status: 404, body: { errors: [] } })
let server: Awaited<ReturnType<typeof fakeServer>>
let home: string
const env = () => ({ VAULT_ADDR: server.address, VAULT_TOKEN: 'env-token-secret' })
const requests = (): SeenRequest[] => server.seen.filter((r) => !r.path.startsWith('sys/internal/ui/mounts/'))

before(async () => {
  server = await fakeServer((req) => handler(req))
  home = mkdtempSync(join(tmpdir(), 'coffer-cli-home-'))
})
after(async () => {
  await server.close()
  rmSync(home, { recursive: true, force: true })
})

function reset(h: Handler): void {
  server.seen.length = 0
  handler = h
}

describe('kv routing', () => {
  test('kv put on v2 wraps data and options.cas under data/', async () => {
    reset((req) => {
      if (req.path.startsWith('sys/internal/ui/mounts/')) return V2_MOUNT
      return {
        status: 200,
        body: { data: { version: 3, created_time: 't', deletion_time: '', destroyed: false } },
      }
    })
    const res = await run(['kv', 'put', '-cas=2', 'secret/app', 'user=u', 'pass=-'], {
      env: env(),
      stdin: 'p\n',
    })
    assert.equal(res.code, 0, res.stderr)
    const [write] = requests()
    assert.equal(write?.method, 'PUT')
    assert.equal(write?.path, 'secret/data/app')
    assert.deepEqual(write?.body, { data: { user: 'u', pass: 'p\n' }, options: { cas: 2 } })
    assert.match(res.stdout, /== Secret Path ==\nsecret\/data\/app/)
    assert.match(res.stdout, /version\s+3/)
  })

  test('-mount makes the argument relative to the mount', async () => {
    reset((req) => {
      if (req.path === 'sys/internal/ui/mounts/secret') return V2_MOUNT
      return { status: 200, body: { data: { data: { a: 'b' }, metadata: { version: 1 } } } }
    })
    const res = await run(['kv', 'get', '-mount=secret', '-version=1', 'app/x'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(requests()[0]?.path, 'secret/data/app/x')
    assert.equal(requests()[0]?.query.get('version'), '1')
    assert.match(res.stdout, /=+ Data =+\nKey\s+Value\n---\s+-----\na\s+b/)
  })

  test('kv on v1 uses the path as is; a preflight 404 also means v1', async () => {
    reset((req) => (req.path.startsWith('sys/internal/ui/mounts/') ? V1_MOUNT : { status: 204 }))
    const v1 = await run(['kv', 'put', 'kv/a', 'x=1'], { env: env() })
    assert.equal(v1.code, 0, v1.stderr)
    assert.equal(requests()[0]?.path, 'kv/a')
    assert.deepEqual(requests()[0]?.body, { x: '1' })
    assert.match(v1.stdout, /Success! Data written to: kv\/a/)
    reset(() => ({ status: 404, body: { errors: [] } }))
    const missing = await run(['kv', 'get', 'old/a'], { env: env() })
    assert.equal(missing.code, 2)
    assert.equal(requests()[0]?.path, 'old/a')
    assert.match(missing.stderr, /No value found at old\/a/)
  })

  test('kv patch falls back to read + CAS write on 405', async () => {
    reset((req) => {
      if (req.path.startsWith('sys/internal/ui/mounts/')) return V2_MOUNT
      if (req.method === 'PATCH') return { status: 405, body: { errors: ['unsupported operation'] } }
      if (req.method === 'GET')
        return { status: 200, body: { data: { data: { a: '1', gone: 'x' }, metadata: { version: 4 } } } }
      return { status: 200, body: { data: { version: 5 } } }
    })
    const res = await run(['kv', 'patch', 'secret/app', '-'], { env: env(), stdin: '{"b":"2","gone":null}' })
    assert.equal(res.code, 0, res.stderr)
    const [patch, read, write] = requests()
    assert.equal(patch?.headers['content-type'], 'application/merge-patch+json')
    assert.equal(read?.method, 'GET')
    assert.deepEqual(write?.body, { data: { a: '1', b: '2' }, options: { cas: 4 } })
  })

  test('kv patch -method=patch does not fall back; 403 otherwise does', async () => {
    reset((req) => {
      if (req.path.startsWith('sys/internal/ui/mounts/')) return V2_MOUNT
      if (req.method === 'PATCH') return { status: 403, body: { errors: ['permission denied'] } }
      if (req.method === 'GET')
        return { status: 200, body: { data: { data: { a: '1' }, metadata: { version: 1 } } } }
      return { status: 200, body: { data: { version: 2 } } }
    })
    const strict = await run(['kv', 'patch', '-method=patch', 'secret/app', 'a=2'], { env: env() })
    assert.equal(strict.code, 2)
    assert.match(strict.stderr, /permission denied/)
    assert.equal(requests().length, 1)
    const fallback = await run(['kv', 'patch', 'secret/app', 'a=2'], { env: env() })
    assert.equal(fallback.code, 0, fallback.stderr)
  })

  test('kv patch refuses a v1 mount', async () => {
    reset((req) => (req.path.startsWith('sys/internal/ui/mounts/') ? V1_MOUNT : { status: 204 }))
    const res = await run(['kv', 'patch', 'kv/a', 'x=1'], { env: env() })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /KV version 2/)
  })

  test('kv rollback writes the old version with CAS on the current one', async () => {
    reset((req) => {
      if (req.path.startsWith('sys/internal/ui/mounts/')) return V2_MOUNT
      if (req.path === 'secret/metadata/app') {
        return {
          status: 200,
          body: { data: { current_version: 3, versions: { '1': { deletion_time: '', destroyed: false } } } },
        }
      }
      if (req.method === 'GET')
        return { status: 200, body: { data: { data: { old: 'yes' }, metadata: { version: 1 } } } }
      return { status: 200, body: { data: { version: 4 } } }
    })
    const res = await run(['kv', 'rollback', '-version=1', 'secret/app'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    const write = requests().at(-1)
    assert.equal(write?.path, 'secret/data/app')
    assert.deepEqual(write?.body, { data: { old: 'yes' }, options: { cas: 3 } })
    assert.equal((await run(['kv', 'rollback', '-version=2', 'secret/app'], { env: env() })).code, 1)
  })

  test('kv delete -versions posts to delete/; undelete requires -versions', async () => {
    reset((req) => (req.path.startsWith('sys/internal/ui/mounts/') ? V2_MOUNT : { status: 204 }))
    const res = await run(['kv', 'delete', '-versions=1,2', 'secret/app'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(requests()[0]?.path, 'secret/delete/app')
    assert.deepEqual(requests()[0]?.body, { versions: [1, 2] })
    assert.equal((await run(['kv', 'undelete', 'secret/app'], { env: env() })).code, 1)
  })
})

describe('output and tokens', () => {
  test('-field prints the raw value; a missing field exits 1', async () => {
    reset(() => ({ status: 200, body: { data: { password: 'hunter2', n: 3 } } }))
    const res = await run(['read', '-field=password', 'secret/x'], { env: env() })
    assert.equal(res.stdout, 'hunter2')
    const missing = await run(['read', '-field=nope', 'secret/x'], { env: env() })
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /Field "nope" not present/)
  })

  test('token create maps flags to the API body', async () => {
    reset(() => ({
      status: 200,
      body: { auth: { client_token: 'new-tok', accessor: 'acc', policies: ['a'] } },
    }))
    const res = await run(
      [
        'token',
        'create',
        '-policy=a',
        '-policy=b',
        '-ttl=1h',
        '-orphan',
        '-metadata=team=x',
        '-num-uses=2',
        '-renewable=false',
        '-field=token',
      ],
      { env: env() },
    )
    assert.equal(res.stdout, 'new-tok')
    const [req] = requests()
    assert.equal(req?.path, 'auth/token/create')
    assert.deepEqual(req?.body, {
      policies: ['a', 'b'],
      ttl: '1h',
      no_parent: true,
      meta: { team: 'x' },
      num_uses: 2,
      renewable: false,
    })
  })

  test('errors never echo a token given on the command line', async () => {
    reset(() => ({ status: 403, body: { errors: ['permission denied'] } }))
    const res = await run(['token', 'lookup', 'sensitive-token-value'], { env: env() })
    assert.equal(res.code, 2)
    assert.ok(!res.stderr.includes('sensitive-token-value'))
    assert.ok(!res.stderr.includes('env-token-secret'))
  })

  test('token precedence: VAULT_TOKEN, COFFER_TOKEN, then the newer of ~/.vault-token and ~/.coffer-token', async () => {
    reset(() => ({ status: 200, body: { data: {} } }))
    const sent = async (vars: Record<string, string>) => {
      await run(['read', 'x'], { env: { VAULT_ADDR: server.address, ...vars }, homeDir: home })
      return server.seen.at(-1)?.headers['x-vault-token']
    }
    const vaultFile = join(home, '.vault-token')
    const cofferFile = join(home, '.coffer-token')
    writeFileSync(vaultFile, 'vault-file\n')
    assert.equal(await sent({}), 'vault-file')
    writeFileSync(cofferFile, 'coffer-file')
    // A dev server wrote ~/.coffer-token after an older vault login: the dev token is the one meant.
    utimesSync(vaultFile, 1000, 1000)
    utimesSync(cofferFile, 2000, 2000)
    assert.equal(await sent({}), 'coffer-file')
    // A later login (coffer's or vault's) wrote ~/.vault-token: that one.
    utimesSync(vaultFile, 3000, 3000)
    assert.equal(await sent({}), 'vault-file')
    assert.equal(await sent({ COFFER_TOKEN: 'coffer-env' }), 'coffer-env')
    assert.equal(await sent({ COFFER_TOKEN: 'coffer-env', VAULT_TOKEN: 'vault-env' }), 'vault-env')
    rmSync(cofferFile)
    rmSync(vaultFile)
  })

  test('login verifies the token and stores it with mode 0600', async () => {
    reset(() => ({
      status: 200,
      body: { data: { accessor: 'acc', policies: ['default'], ttl: 60, renewable: true } },
    }))
    const res = await run(['login', '-'], {
      env: { VAULT_ADDR: server.address },
      homeDir: home,
      stdin: 'stdin-token\n',
    })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen.at(-1)?.path, 'auth/token/lookup-self')
    assert.equal(server.seen.at(-1)?.headers['x-vault-token'], 'stdin-token')
    const file = join(home, '.vault-token')
    assert.equal(readFileSync(file, 'utf8'), 'stdin-token')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.match(res.stdout, /token_duration\s+1m/)
    rmSync(file)
  })

  test('login -method=userpass posts the password to login/<username>', async () => {
    reset(() => ({ status: 200, body: { auth: { client_token: 'up-token', accessor: 'a', policies: [] } } }))
    const res = await run(
      ['login', '-method=userpass', '-path=people', '-no-store', 'username=ana', 'password=pw'],
      {
        env: { VAULT_ADDR: server.address },
        homeDir: home,
      },
    )
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen.at(-1)?.path, 'auth/people/login/ana')
    assert.deepEqual(server.seen.at(-1)?.body, { password: 'pw' })
    assert.throws(() => statSync(join(home, '.vault-token')))
  })

  test('operator init prints keys and root token, or the Vault-shaped JSON', async () => {
    reset(() => ({
      status: 200,
      body: { keys: ['aa', 'bb'], keys_base64: ['qg==', 'uw=='], root_token: 'root-tok' },
    }))
    const text = await run(['operator', 'init', '-key-shares=2', '-key-threshold=2'], { env: env() })
    assert.equal(text.code, 0, text.stderr)
    assert.deepEqual(server.seen.at(-1)?.body, { secret_shares: 2, secret_threshold: 2 })
    assert.match(text.stdout, /Unseal Key 1: qg==\nUnseal Key 2: uw==\n\nInitial Root Token: root-tok/)
    const json = JSON.parse(
      (await run(['operator', 'init', '-key-shares=2', '-key-threshold=2', '-format=json'], { env: env() }))
        .stdout,
    )
    assert.deepEqual(json.unseal_keys_b64, ['qg==', 'uw=='])
    assert.equal(json.root_token, 'root-tok')
    assert.equal(
      (await run(['operator', 'init', '-key-shares=2', '-key-threshold=3'], { env: env() })).code,
      1,
    )
  })

  test('status exits 2 when sealed and shows unseal progress', async () => {
    reset(() => ({
      status: 200,
      body: { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 1, nonce: '' },
    }))
    const res = await run(['status'], { env: env() })
    assert.equal(res.code, 2)
    assert.match(res.stdout, /Unseal Progress\s+1\/3/)
  })

  test('policy write reads the file and sends it under "policy"', async () => {
    reset(() => ({ status: 204 }))
    const file = join(home, 'p.hcl')
    writeFileSync(file, 'path "x" { capabilities = ["read"] }\n')
    const res = await run(['policy', 'write', 'Ops', file], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen.at(-1)?.path, 'sys/policies/acl/ops')
    assert.deepEqual(server.seen.at(-1)?.body, { policy: 'path "x" { capabilities = ["read"] }\n' })
  })

  test('secrets enable builds type, config and options', async () => {
    reset(() => ({ status: 204 }))
    const res = await run(
      ['secrets', 'enable', '-path=team', '-version=2', '-max-lease-ttl=2h', '-description=d', 'kv'],
      { env: env() },
    )
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen.at(-1)?.path, 'sys/mounts/team')
    assert.deepEqual(server.seen.at(-1)?.body, {
      type: 'kv',
      description: 'd',
      config: { max_lease_ttl: '2h' },
      local: false,
      seal_wrap: false,
      options: { version: '2' },
    })
    assert.match(res.stdout, /Enabled the kv secrets engine at: team\//)
  })

  test('secrets move starts sys/remount and polls its status until it succeeds', async () => {
    let polls = 0
    reset((req) => {
      if (req.path === 'sys/remount') return { status: 200, body: { data: { migration_id: 'm-1' } } }
      polls++
      const status = polls === 1 ? 'in-progress' : 'success'
      return { status: 200, body: { data: { migration_id: 'm-1', migration_info: { status } } } }
    })
    const res = await run(['secrets', 'move', '/secret', 'generic'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(server.seen[0]?.body, { from: 'secret/', to: 'generic/' })
    assert.equal(server.seen[0]?.method, 'PUT')
    assert.deepEqual(
      server.seen.slice(1).map((r) => `${r.method} ${r.path}`),
      ['GET sys/remount/status/m-1', 'GET sys/remount/status/m-1'],
    )
    assert.match(res.stdout, /Started moving secrets engine secret\/ to generic\/, with migration ID m-1/)
    assert.match(
      res.stdout,
      /Success! Finished moving secrets engine secret\/ to generic\/, with migration ID m-1/,
    )
  })

  test('auth move adds auth/ when missing; a failed move or a refusal exits 2', async () => {
    reset((req) =>
      req.path === 'sys/remount'
        ? { status: 200, body: { data: { migration_id: 'm-2' } } }
        : { status: 200, body: { data: { migration_info: { status: 'failure' } } } },
    )
    const failed = await run(['auth', 'move', 'approle', 'auth/ci'], { env: env() })
    assert.deepEqual(server.seen[0]?.body, { from: 'auth/approle/', to: 'auth/ci/' })
    assert.equal(failed.code, 2)
    assert.match(
      failed.stderr,
      /Failure! Error encountered moving auth method auth\/approle\/ to auth\/ci\/, with migration ID m-2/,
    )
    reset(() => ({ status: 400, body: { errors: ['path already in use at "auth/ci/"'] } }))
    const refused = await run(['auth', 'move', 'approle', 'ci'], { env: env() })
    assert.equal(refused.code, 2)
    assert.match(
      refused.stderr,
      /Error moving auth method auth\/approle\/ to auth\/ci\/: [\s\S]*path already in use at "auth\/ci\/"/,
    )
    assert.equal((await run(['secrets', 'move', 'only-one'], { env: env() })).code, 1)
  })

  test('policy fmt rewrites the file in place and refuses invalid HCL', async () => {
    const file = join(home, 'fmt.hcl')
    writeFileSync(file, 'path "a"{\ncapabilities=["read"]\n}\n')
    const res = await run(['policy', 'fmt', file])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(readFileSync(file, 'utf8'), 'path "a" {\n  capabilities = ["read"]\n}\n')
    writeFileSync(file, 'path "a" {\n')
    const bad = await run(['policy', 'fmt', file])
    assert.equal(bad.code, 1)
    assert.equal(readFileSync(file, 'utf8'), 'path "a" {\n')
  })
})
