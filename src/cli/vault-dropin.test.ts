// Commands and flags a script written for the `vault` CLI uses, checked against a scripted server.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fakeServer, type Handler, run, type SeenRequest } from './test-io.ts'

let handler: Handler = () => ({ status: 404, body: { errors: [] } })
let server: Awaited<ReturnType<typeof fakeServer>>
let home: string
const env = () => ({ VAULT_ADDR: server.address, VAULT_TOKEN: 'env-token-secret' })
const requests = (): SeenRequest[] => server.seen.filter((r) => !r.path.startsWith('sys/internal/ui/mounts/'))

before(async () => {
  server = await fakeServer((req) => handler(req))
  home = mkdtempSync(join(tmpdir(), 'coffer-cli-dropin-'))
})
after(async () => {
  await server.close()
  rmSync(home, { recursive: true, force: true })
})

function reset(h: Handler): void {
  server.seen.length = 0
  handler = h
}

describe('vault CLI drop-in', () => {
  test('token create -use-limit (Vault spelling) sets num_uses', async () => {
    reset(() => ({ status: 200, body: { auth: { client_token: 'new-tok', accessor: 'acc' } } }))
    const res = await run(['token', 'create', '-use-limit=3', '-field=token'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'new-tok')
    assert.deepEqual(requests()[0]?.body, { num_uses: 3 })
  })

  test('lease revoke -prefix prints "Success!" once', async () => {
    reset(() => ({ status: 204 }))
    const res = await run(['lease', 'revoke', '-prefix', 'aws/creds/'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'Success! Revoked any leases with prefix: aws/creds/\n')
    assert.equal(requests()[0]?.path, 'sys/leases/revoke-prefix/aws/creds/')
  })

  test('lease revoke of one lease prints "Success!" once', async () => {
    reset(() => ({ status: 204 }))
    const res = await run(['lease', 'revoke', 'aws/creds/r/abc'], { env: env() })
    assert.equal(res.stdout, 'Success! Revoked lease: aws/creds/r/abc\n')
  })

  test('auth tune writes sys/auth/<path>/tune, with or without the auth/ prefix', async () => {
    for (const arg of ['userpass', 'auth/userpass/']) {
      reset(() => ({ status: 204 }))
      const res = await run(
        ['auth', 'tune', '-default-lease-ttl=1h', '-token-type=default-batch', '-description=people', arg],
        { env: env() },
      )
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout, 'Success! Tuned the auth method at: userpass/\n')
      const [req] = requests()
      assert.equal(req?.path, 'sys/auth/userpass/tune')
      assert.deepEqual(req?.body, {
        default_lease_ttl: '1h',
        description: 'people',
        token_type: 'default-batch',
      })
    }
  })

  test('auth tune with no option is a usage error and sends nothing', async () => {
    reset(() => ({ status: 204 }))
    const res = await run(['auth', 'tune', 'userpass'], { env: env() })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /nothing to tune/)
    assert.equal(requests().length, 0)
  })

  test('print token prints VAULT_TOKEN, else the token file, else an empty line', async () => {
    const fromEnv = await run(['print', 'token'], { env: { VAULT_TOKEN: 'tok-env' }, homeDir: home })
    assert.deepEqual([fromEnv.code, fromEnv.stdout], [0, 'tok-env\n'])
    const none = await run(['print', 'token'], { env: {}, homeDir: home })
    assert.deepEqual([none.code, none.stdout], [0, '\n'])
    writeFileSync(join(home, '.vault-token'), 'tok-file\n')
    const fromFile = await run(['print', 'token'], { env: {}, homeDir: home })
    assert.deepEqual([fromFile.code, fromFile.stdout], [0, 'tok-file\n'])
  })

  test('operator step-down PUTs sys/step-down and names the node, as Vault prints it', async () => {
    reset(() => ({ status: 204 }))
    const res = await run(['operator', 'step-down'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, `Success! Stepped down: ${server.address}\n`)
    const [req] = requests()
    assert.deepEqual([req?.method, req?.path], ['PUT', 'sys/step-down'])
  })

  test('operator step-down refused by the server exits 2', async () => {
    reset(() => ({ status: 403, body: { errors: ['permission denied'] } }))
    const res = await run(['operator', 'step-down'], { env: env() })
    assert.equal(res.code, 2)
    assert.match(res.stderr, /Error stepping down: .*permission denied/s)
  })

  test('-format=json prints the envelope exactly as vault: its keys in its order, nothing else', async () => {
    reset(() => ({
      status: 200,
      body: {
        request_id: 'r1',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: { type: 'kv' },
        wrap_info: null,
        warnings: null,
        auth: null,
        type: 'kv',
      },
    }))
    const res = await run(['read', '-format=json', 'sys/mounts/secret'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(
      res.stdout,
      `${JSON.stringify(
        {
          request_id: 'r1',
          lease_id: '',
          lease_duration: 0,
          renewable: false,
          data: { type: 'kv' },
          warnings: null,
        },
        null,
        2,
      )}\n`,
    )
  })

  test('-format=json keeps auth and wrap_info when the server set them, after warnings', async () => {
    const auth = { client_token: 'new-tok', accessor: 'acc', policies: ['default'] }
    reset(() => ({
      status: 200,
      body: {
        request_id: 'r2',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
        warnings: ['w'],
        auth,
      },
    }))
    const res = await run(['token', 'create', '-format=json'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(Object.keys(JSON.parse(res.stdout)), [
      'request_id',
      'lease_id',
      'lease_duration',
      'renewable',
      'data',
      'warnings',
      'auth',
    ])
    assert.deepEqual(JSON.parse(res.stdout).auth, auth)
  })

  test('kv delete/undelete/destroy/metadata put|delete and delete take -format; json or yaml print nothing on 204', async () => {
    const V2 = { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
    const cases: [string[], string][] = [
      [['kv', 'delete', 'secret/a'], 'Success! Data deleted (if it existed) at: secret/data/a\n'],
      [['kv', 'undelete', '-versions=1', 'secret/a'], 'Success! Data written to: secret/undelete/a\n'],
      [['kv', 'destroy', '-versions=1', 'secret/a'], 'Success! Data written to: secret/destroy/a\n'],
      [
        ['kv', 'metadata', 'put', '-max-versions=2', 'secret/a'],
        'Success! Data written to: secret/metadata/a\n',
      ],
      [
        ['kv', 'metadata', 'delete', 'secret/a'],
        'Success! Data deleted (if it existed) at: secret/metadata/a\n',
      ],
      [['delete', 'secret/data/a'], 'Success! Data deleted (if it existed) at: secret/data/a\n'],
    ]
    for (const [args, table] of cases) {
      reset((req) => (req.path.startsWith('sys/internal/ui/mounts/') ? V2 : { status: 204 }))
      const plain = await run(args, { env: env() })
      assert.deepEqual([plain.code, plain.stdout], [0, table], args.join(' '))
      for (const format of ['-format=json', '-format=yaml']) {
        const res = await run([...args.slice(0, -1), format, ...args.slice(-1)], { env: env() })
        assert.deepEqual([res.code, res.stdout, res.stderr], [0, '', ''], `${args.join(' ')} ${format}`)
      }
      const fromEnv = await run(args, { env: { ...env(), VAULT_FORMAT: 'json' } })
      assert.deepEqual([fromEnv.code, fromEnv.stdout], [0, ''], `${args.join(' ')} VAULT_FORMAT=json`)
    }
  })

  test('operator init -status: 0 initialised, 2 not, 1 when the server fails (not 2, which means "not initialised")', async () => {
    reset(() => ({ status: 200, body: { initialized: true } }))
    assert.equal((await run(['operator', 'init', '-status'], { env: env() })).code, 0)
    reset(() => ({ status: 200, body: { initialized: false } }))
    assert.equal((await run(['operator', 'init', '-status'], { env: env() })).code, 2)
    reset(() => ({ status: 500, body: { errors: ['storage unavailable'] } }))
    const failed = await run(['operator', 'init', '-status'], { env: env() })
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /Error checking init status: .*storage unavailable/s)
  })

  test('kv list -mount=NAME with no path lists the top of the mount, as vault', async () => {
    const V2 = { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
    reset((req) =>
      req.path.startsWith('sys/internal/ui/mounts/')
        ? V2
        : { status: 200, body: { data: { keys: ['a', 'b/'] } } },
    )
    const res = await run(['kv', 'list', '-mount=secret'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'Keys\n----\na\nb/\n')
    assert.equal(requests()[0]?.path.replace(/\/$/, ''), 'secret/metadata')
    const bare = await run(['kv', 'list'], { env: env() })
    assert.equal(bare.code, 1)
    assert.match(bare.stderr, /not enough arguments/)
  })

  test('vault global flags -non-interactive and -disable-redirects are accepted', async () => {
    reset(() => ({ status: 200, body: { data: { v: 'ok' } } }))
    const res = await run(['read', '-non-interactive', '-disable-redirects', '-field=v', 'x'], { env: env() })
    assert.deepEqual([res.code, res.stdout, res.stderr], [0, 'ok', ''])
  })

  test('secrets enable -plugin-name replaces TYPE; -plugin-version and -external-entropy-access are sent', async () => {
    reset(() => ({ status: 204 }))
    const res = await run(
      [
        'secrets',
        'enable',
        '-plugin-name=kv',
        '-plugin-version=v1.0.0',
        '-external-entropy-access',
        '-path=apps',
        'plugin',
      ],
      { env: env() },
    )
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'Success! Enabled the kv secrets engine at: apps/\n')
    const [req] = requests()
    assert.equal(req?.path, 'sys/mounts/apps')
    const body = req?.body as Record<string, unknown>
    assert.deepEqual(
      [body['type'], body['plugin_version'], body['external_entropy_access']],
      ['kv', 'v1.0.0', true],
    )
  })

  test('-header K=V is sent on every request; X-Vault-* names are refused before anything is sent', async () => {
    reset(() => ({ status: 200, body: { data: { v: 'ok' } } }))
    const res = await run(['read', '-header=X-Trace=abc', '-header', 'X-Team=ops', '-field=v', 'x'], {
      env: env(),
    })
    assert.deepEqual([res.code, res.stdout], [0, 'ok'])
    const [req] = requests()
    assert.deepEqual(
      [req?.headers['x-trace'], req?.headers['x-team'], req?.headers['x-vault-token']],
      ['abc', 'ops', 'env-token-secret'],
    )
    reset(() => ({ status: 200, body: { data: { v: 'ok' } } }))
    const refused = await run(['read', '-header=x-vault-token=other', 'x'], { env: env() })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /X-Vault-' prefix are not allowed/)
    assert.equal(server.seen.length, 0)
  })

  test('policy read -format=json prints {"policy": ...} alone, as vault', async () => {
    const text = 'path "a" { capabilities = ["read"] }'
    reset(() => ({ status: 200, body: { data: { name: 'p', policy: text } } }))
    const res = await run(['policy', 'read', '-format=json', 'p'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, `${JSON.stringify({ policy: text }, null, 2)}\n`)
  })

  test('kv patch -remove-data sends the keys as nulls in the merge patch, with or without K=V', async () => {
    const V2 = { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
    reset((req) =>
      req.path.startsWith('sys/internal/ui/mounts/')
        ? V2
        : {
            status: 200,
            body: { data: { version: 4, created_time: 't', deletion_time: '', destroyed: false } },
          },
    )
    const res = await run(['kv', 'patch', '-remove-data=b,c', 'secret/app', 'd=4'], { env: env() })
    assert.equal(res.code, 0, res.stderr)
    const [req] = requests()
    assert.deepEqual(
      [req?.method, req?.path, req?.body],
      ['PATCH', 'secret/data/app', { data: { d: '4', b: null, c: null } }],
    )
    server.seen.length = 0
    const only = await run(['kv', 'patch', '-remove-data=b', 'secret/app'], { env: env() })
    assert.equal(only.code, 0, only.stderr)
    assert.deepEqual(requests()[0]?.body, { data: { b: null } })
    const both = await run(['kv', 'patch', '-remove-data=d', 'secret/app', 'd=4'], { env: env() })
    assert.equal(both.code, 1)
    assert.match(both.stderr, /"d" is both set and in -remove-data/)
  })

  test('kv metadata patch sends a merge patch of only the given settings; removed custom keys go as nulls', async () => {
    const V2 = { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
    reset((req) => (req.path.startsWith('sys/internal/ui/mounts/') ? V2 : { status: 204 }))
    const res = await run(
      [
        'kv',
        'metadata',
        'patch',
        '-custom-metadata=owner=ana',
        '-remove-custom-metadata=team',
        '-max-versions=7',
        'secret/app',
      ],
      { env: env() },
    )
    assert.deepEqual([res.code, res.stdout], [0, 'Success! Data written to: secret/metadata/app\n'])
    const [req] = requests()
    assert.deepEqual(
      [req?.method, req?.path, req?.headers['content-type'], req?.body],
      [
        'PATCH',
        'secret/metadata/app',
        'application/merge-patch+json',
        { max_versions: 7, custom_metadata: { owner: 'ana', team: null } },
      ],
    )
    server.seen.length = 0
    const nothing = await run(['kv', 'metadata', 'patch', 'secret/app'], { env: env() })
    assert.equal(nothing.code, 1)
    assert.equal(server.seen.length, 0)
  })

  test('kv get -field as vault: -field=data is the data map, -format=json prints the value as JSON, no data exits 2', async () => {
    const V2 = { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '2' } } } }
    let secret: unknown = { password: 'hunter2', user: 'ana' }
    reset((req) =>
      req.path.startsWith('sys/internal/ui/mounts/')
        ? V2
        : { status: 200, body: { data: { data: secret, metadata: { version: 3 } } } },
    )
    const map = await run(['kv', 'get', '-format=json', '-field=data', 'secret/app'], { env: env() })
    assert.deepEqual(
      [map.code, map.stdout],
      [0, JSON.stringify({ password: 'hunter2', user: 'ana' }, null, 2)],
    )
    const quoted = await run(['kv', 'get', '-field=password', 'secret/app'], {
      env: { ...env(), VAULT_FORMAT: 'json' },
    })
    assert.deepEqual([quoted.code, quoted.stdout], [0, '"hunter2"'])
    const raw = await run(['kv', 'get', '-field=password', 'secret/app'], { env: env() })
    assert.deepEqual([raw.code, raw.stdout], [0, 'hunter2'])
    secret = null
    const deleted = await run(['kv', 'get', '-field=password', 'secret/app'], { env: env() })
    assert.equal(deleted.code, 2)
    assert.match(deleted.stderr, /No data found at secret\/data\/app/)
  })
})
