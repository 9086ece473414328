// A Coffer server process on SQLite prepared for the benchmark: KV v2, a policy, a non-root token, seed data.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ServerProcess, spawnServer } from '../test/helpers/process.ts'

export interface CofferFixture {
  process: ServerProcess
  address: string
  token: string
  root: string
  call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; text: string }>
}

const POLICY = `
path "secret/data/bench/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/bench/*" { capabilities = ["list", "read"] }
path "transit/encrypt/bench" { capabilities = ["update"] }
`

/** A JSON client for one server address. */
export function caller(address: string): CofferFixture['call'] {
  return async (method, path, body, token = '') => {
    const res = await fetch(`${address}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, text: await res.text() }
  }
}

/** A server config file in a fresh folder: SQLite there unless `storage` (an HCL storage block) is given. */
export function writeConfig(storage?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-'))
  const config = join(dir, 'coffer.hcl')
  writeFileSync(
    config,
    `${storage ?? `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}`}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\nlog_level = "error"\n`,
  )
  return config
}

/** `env` is added to the server process's environment (e.g. NODE_OPTIONS=--cpu-prof to profile it). */
export async function startCoffer(env: NodeJS.ProcessEnv = {}): Promise<CofferFixture> {
  const process = await spawnServer([`-config=${writeConfig()}`], env)
  const call = caller(process.address)
  const init = JSON.parse((await call('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 })).text)
  await call('PUT', 'sys/unseal', { key: init.keys[0] })
  return { process, address: process.address, call, ...(await prepare(call, init.root_token as string)) }
}

/** KV v2 at secret/, the bench policy and a non-root token holding it. */
export async function prepare(
  call: CofferFixture['call'],
  root: string,
): Promise<{ token: string; root: string }> {
  await call('POST', 'sys/mounts/secret', { type: 'kv-v2' }, root)
  await call('PUT', 'sys/policies/acl/bench', { policy: POLICY }, root)
  const created = JSON.parse(
    (await call('POST', 'auth/token/create', { policies: ['bench'], ttl: '24h' }, root)).text,
  )
  return { token: created.auth.client_token, root }
}

/** Write `count` secrets named `${prefix}${i}` from `start`, `concurrency` requests in flight. */
export async function seed(
  fixture: CofferFixture,
  prefix: string,
  start: number,
  count: number,
  concurrency = 32,
) {
  let next = start
  const end = start + count
  const worker = async () => {
    while (next < end) {
      const i = next++
      const res = await fixture.call(
        'POST',
        `secret/data/${prefix}${i}`,
        { data: { value: `v${i}` } },
        fixture.token,
      )
      if (res.status !== 200)
        throw new Error(`seed write ${i} failed: ${res.status} ${res.text.slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
