// KV v2 rotation on a real server process: a registered command with VAULT_ADDR and a token that reaches only the
// rotated path, the `coffer rotation` commands with -mount, and concurrent rotation requests.
import assert from 'node:assert/strict'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { type RunResult, run } from '../../src/cli/test-io.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { startRaceServer } from '../helpers/race.ts'
import { program, unmet } from '../helpers/requirements.ts'
import { client, makeTempDir } from '../helpers/server.ts'

const ROOT_TOKEN = 'root-kv-rotation'
const TOOLS = [program('curl', ['--version']), program('jq', ['--version'])]

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
type Json = Record<string, any>

describe('KV v2 rotation (server process)', { skip: await unmet(...TOOLS) }, () => {
  const dir = makeTempDir()
  let server: ServerProcess
  let call: ReturnType<typeof client>
  const cli = (args: string[]): Promise<RunResult> =>
    run(args, { env: { VAULT_ADDR: server.address, VAULT_TOKEN: ROOT_TOKEN }, homeDir: dir.dir })
  const ok = async (args: string[]) => {
    const res = await cli(args)
    assert.equal(res.code, 0, `coffer ${args.join(' ')} exited ${res.code}:\n${res.stdout}${res.stderr}`)
    return res
  }

  before(async () => {
    const script = join(dir.dir, 'rotate-kv.sh')
    // An operator's KV rotation function: reads the event, tries a path it was not given, writes the next version.
    writeFileSync(
      script,
      `#!/bin/sh
set -e
event="$1"
mount=$(printf '%s' "$event" | jq -r .Mount)
path=$(printf '%s' "$event" | jq -r .Path)
version=$(printf '%s' "$event" | jq -r .Version)
field=$(printf '%s' "$event" | jq -r .Field)
printf '%s' "$VAULT_TOKEN" > "$OUT/token"
curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $VAULT_TOKEN" "$VAULT_ADDR/v1/\${mount}data/app/other" > "$OUT/other-read"
curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d '{"data":{"x":"y"}}' "$VAULT_ADDR/v1/\${mount}data/app/other" > "$OUT/other-write"
current=$(curl -sf -H "X-Vault-Token: $VAULT_TOKEN" "$VAULT_ADDR/v1/\${mount}data/$path")
body=$(printf '%s' "$current" | jq --arg f "$field" --arg v "rotated-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" --argjson cas "$version" '{options: {cas: $cas}, data: (.data.data + {($f): $v})}')
curl -sf -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d "$body" "$VAULT_ADDR/v1/\${mount}data/$path" > /dev/null
`,
    )
    chmodSync(script, 0o755)
    const config = join(dir.dir, 'coffer.hcl')
    writeFileSync(
      config,
      `storage "inmem" {}
listener "tcp" { tls_disable = true }
rotation_function "kv-script" {
  command = ["${script}"]
  env     = { OUT = "${dir.dir}" }
}
`,
    )
    server = await spawnServer([
      '-dev',
      '-dev-inmem',
      '-dev-no-store-token',
      '-dev-listen-address=127.0.0.1:0',
      `-dev-root-token-id=${ROOT_TOKEN}`,
      `-config=${config}`,
    ])
    call = client(server.address, ROOT_TOKEN)
    assert.equal(
      (await call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '2' } } })).status,
      204,
    )
  })
  after(async () => {
    await server?.stop()
    dir.remove()
  })

  async function settled(path: string): Promise<Json> {
    return withDeadline(
      (async () => {
        for (;;) {
          const res = await ok(['rotation', 'status', '-mount=kv', '-format=json', path])
          const s = JSON.parse(res.stdout).data ?? JSON.parse(res.stdout)
          if (s.rotation_status.state === 'Idle' || s.rotation_status.failed_step) return s
          await delay(100)
        }
      })(),
      `rotation of ${path}`,
      60_000,
    )
  }

  it('a command rotates with VAULT_ADDR and a token for that path only, revoked afterwards', async () => {
    await call('POST', 'kv/data/app/cfg', { body: { data: { user: 'svc', password: 'initial' } } })
    await call('POST', 'kv/data/app/other', { body: { data: { password: 'not-for-the-function' } } })
    await ok(['rotation', 'run', '-mount=kv', '-function=kv-script', '-after-days=7', 'app/cfg'])
    const s = await settled('app/cfg')
    assert.equal(s.rotation_status.state, 'Idle', JSON.stringify(s.rotation_status))
    assert.equal(s.last_rotated_version, 2)
    const value = (await call('GET', 'kv/data/app/cfg')).body.data
    assert.equal(value.data.user, 'svc')
    assert.match(value.data.password, /^rotated-[0-9a-f]+$/)
    assert.equal(readFileSync(join(dir.dir, 'other-read'), 'utf8'), '403')
    assert.equal(readFileSync(join(dir.dir, 'other-write'), 'utf8'), '403')
    assert.equal((await call('GET', 'kv/data/app/other')).body.data.metadata.version, 1)
    const token = readFileSync(join(dir.dir, 'token'), 'utf8')
    assert.equal((await call('GET', 'auth/token/lookup-self', { token })).status, 403)
    const listed = await ok(['rotation', 'list', '-mount=kv'])
    assert.match(listed.stdout, /app\/cfg/)
    const cancelled = await ok(['rotation', 'cancel', '-mount=kv', '-format=json', 'app/cfg'])
    assert.match(cancelled.stdout, /"rotation_enabled": false/)
  })

  it('the built-in through the CLI, then rolled back with `coffer kv rollback`', async () => {
    await call('POST', 'kv/data/app/web', { body: { data: { password: 'first' } } })
    await ok(['rotation', 'run', '-mount=kv', '-function=coffer-random-password', 'app/web'])
    assert.equal((await settled('app/web')).last_rotated_version, 2)
    assert.notEqual((await call('GET', 'kv/data/app/web')).body.data.data.password, 'first')
    await ok(['kv', 'rollback', '-version=1', 'kv/app/web'])
    const back = (await call('GET', 'kv/data/app/web')).body.data
    assert.equal(back.metadata.version, 3)
    assert.equal(back.data.password, 'first')
  })
})

describe('KV v2 rotation requests at once', () => {
  it('every accepted request rotates exactly once; the others are refused while one is in progress', async (t) => {
    const s = await startRaceServer()
    try {
      assert.equal(
        (await s.call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '2' } } })).status,
        204,
      )
      await s.call('POST', 'kv/data/race', { body: { data: { password: 'initial' } } })
      const replies = await s.burst(
        Array.from({ length: 8 }, () => ({
          method: 'POST',
          path: 'kv/rotation/race',
          body: { rotation_function: 'coffer-random-password' },
        })),
      )
      const accepted = replies.filter((r) => r.status === 200).length
      for (const r of replies)
        if (r.status !== 200) {
          assert.equal(r.status, 400)
          assert.match(r.body.errors[0], /in progress/)
        }
      t.diagnostic(`${accepted} of ${replies.length} accepted`)
      assert.ok(accepted >= 1)
      const status = await withDeadline(
        (async () => {
          for (;;) {
            const st = (await s.call('GET', 'kv/rotation/race')).body.data
            if (st.rotation_status.state === 'Idle' && st.last_rotated_version === 1 + accepted) return st
            if (st.rotation_status.failed_step) return st
            await delay(100)
          }
        })(),
        'the accepted rotations',
        60_000,
      )
      assert.equal(status.rotation_status.state, 'Idle', JSON.stringify(status.rotation_status))
      assert.equal((await s.call('GET', 'kv/data/race')).body.data.metadata.version, 1 + accepted)
    } finally {
      await s.close()
    }
  })
})
