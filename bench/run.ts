// `npm run bench [-- NAME... --json]`: Coffer against a plain node:http server, alternately, same load generator.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prepareAwsGetSecretValue } from './aws-fixture.ts'
import { type CofferFixture, seed, startCoffer } from './coffer-fixture.ts'
import { failoverMs, startHaPair } from './ha-fixture.ts'
import { prepareJwtLogin } from './jwt-fixture.ts'
import { LOAD_GENERATOR, type LoadResult, type LoadSpec, runLoad } from './load.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const selected = args.filter((a) => !a.startsWith('--'))
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2)
const PLAIN = fileURLToPath(new URL('./plain-server.ts', import.meta.url))

interface Scenario {
  name: string
  connections: number
  /** Prepare Coffer and return the request to drive plus the body the plain server should answer with. */
  prepare(fixture: CofferFixture): Promise<{
    path: string
    method: 'GET' | 'POST'
    body?: string
    /** Request bodies to cycle through instead of repeating `body`. */
    bodies?: string[]
    /** Headers to send instead of the token (a SigV4-signed AWS call). */
    headers?: Record<string, string>
    /** `[<id>]` cycles through this many paths prepared beforehand (see LoadSpec). */
    idModulo?: number
    response: string
    cleanup?: () => Promise<unknown>
  }>
}

const secret1k = { data: { value: 'x'.repeat(1000) } }

/**
 * Durable KV v2 writes of a 1 KiB secret. Every request writes a new secret (`[<id>]` becomes a per-request
 * counter): writes to one key are serialised by the engine's key lock, as in Vault, and would measure that
 * lock, not the store.
 */
function writeScenario(name: string, connections: number): Scenario {
  return {
    name,
    connections,
    async prepare(f) {
      const response = (await f.call('POST', `secret/data/bench/${name}`, secret1k, f.token)).text
      return {
        path: `secret/data/bench/${name}-[<id>]`,
        method: 'POST',
        body: JSON.stringify(secret1k),
        response,
      }
    },
  }
}

/** Existing secrets kv-update-16 rewrites: more than the barrier's read cache holds (8,192 entries). */
const UPDATE_POPULATION = 20_000

/**
 * Durable KV v2 updates: each request writes a new version of one of UPDATE_POPULATION secrets written beforehand,
 * in turn, so nearly every update reads the secret's metadata from SQLite first (as an update of a secret not read
 * lately does) and the oldest versions are pruned past max_versions. Not one of the targets: it shows what an update
 * costs beyond a create.
 */
function updateScenario(name: string, connections: number): Scenario {
  return {
    name,
    connections,
    async prepare(f) {
      await seed(f, `bench/${name}-`, 0, UPDATE_POPULATION)
      const response = (await f.call('POST', `secret/data/bench/${name}-0`, secret1k, f.token)).text
      return {
        path: `secret/data/bench/${name}-[<id>]`,
        method: 'POST',
        body: JSON.stringify(secret1k),
        idModulo: UPDATE_POPULATION,
        response,
      }
    },
  }
}

function approleLogin(name: string, connections: number, tokenType = 'service'): Scenario {
  return {
    name,
    connections,
    async prepare(f) {
      // Each scenario gets its own mount, so the two runs do not share a role.
      const mount = `approle-${name}`
      await f.call('POST', `sys/auth/${mount}`, { type: 'approle' }, f.root)
      await f.call(
        'POST',
        `auth/${mount}/role/bench`,
        { token_policies: ['bench'], token_ttl: '1h', token_type: tokenType },
        f.root,
      )
      const roleId = JSON.parse(
        (await f.call('GET', `auth/${mount}/role/bench/role-id`, undefined, f.root)).text,
      )
      const secret = JSON.parse((await f.call('POST', `auth/${mount}/role/bench/secret-id`, {}, f.root)).text)
      const body = JSON.stringify({ role_id: roleId.data.role_id, secret_id: secret.data.secret_id })
      const response = (await f.call('POST', `auth/${mount}/login`, JSON.parse(body))).text
      return { path: `auth/${mount}/login`, method: 'POST', body, response }
    },
  }
}

/**
 * Transit encryption under an aes256-gcm96 key: `items` plaintexts of 1 KiB each per request (1 is the plain
 * encrypt, more a batch_input). Every answer has a fresh nonce but the same length, so the plain server answers
 * with a body of that length.
 */
function transitEncrypt(name: string, items: number): Scenario {
  return {
    name,
    connections: 10,
    async prepare(f) {
      const mounts = JSON.parse((await f.call('GET', 'sys/mounts', undefined, f.root)).text)
      if (mounts.data['transit/'] === undefined)
        await f.call('POST', 'sys/mounts/transit', { type: 'transit' }, f.root)
      await f.call('POST', 'transit/keys/bench', { type: 'aes256-gcm96' }, f.root)
      const plaintext = Buffer.alloc(1024, 'x').toString('base64')
      const request =
        items === 1 ? { plaintext } : { batch_input: Array.from({ length: items }, () => ({ plaintext })) }
      const answer = await f.call('POST', 'transit/encrypt/bench', request, f.token)
      if (answer.status !== 200) throw new Error(`transit encrypt failed: ${answer.status} ${answer.text}`)
      return {
        path: 'transit/encrypt/bench',
        method: 'POST',
        body: JSON.stringify(request),
        response: answer.text,
      }
    },
  }
}

const scenarios: Scenario[] = [
  {
    name: 'kv-read',
    connections: 10,
    async prepare(f) {
      await f.call('POST', 'secret/data/bench/read', secret1k, f.token)
      const response = (await f.call('GET', 'secret/data/bench/read', undefined, f.token)).text
      return { path: 'secret/data/bench/read', method: 'GET', response }
    },
  },
  {
    name: 'kv-read-audit',
    connections: 10,
    async prepare(f) {
      // The same read with a file audit device recording every request and response.
      const file = join(mkdtempSync(join(tmpdir(), 'coffer-bench-audit-')), 'audit.log')
      const enabled = await f.call(
        'PUT',
        'sys/audit/bench',
        { type: 'file', options: { file_path: file } },
        f.root,
      )
      if (enabled.status !== 204) throw new Error(`audit enable failed: ${enabled.status} ${enabled.text}`)
      await f.call('POST', 'secret/data/bench/read', secret1k, f.token)
      const response = (await f.call('GET', 'secret/data/bench/read', undefined, f.token)).text
      return {
        path: 'secret/data/bench/read',
        method: 'GET',
        response,
        cleanup: () => f.call('DELETE', 'sys/audit/bench', undefined, f.root),
      }
    },
  },
  {
    // Logins with a cached JWKS: signature and claim checks plus a durable token write, one fresh JWT per request.
    name: 'jwt-login',
    connections: 32,
    async prepare(f) {
      const { bodies, response, stop } = await prepareJwtLogin(f)
      return { path: 'auth/jwt/login', method: 'POST', body: bodies[0]!, bodies, response, cleanup: stop }
    },
  },
  // Real AppRole logins with one secret ID of unlimited uses: role ID and secret ID lookups plus a durable token
  // write. A login commits before it answers, so its rate depends on how many clients log in at once (their
  // writes share one commit) while the plain server's does not. The headline is the rate with enough clients
  // to keep the commits full (32); 16 and 10 clients show the curve below it.
  approleLogin('approle-login', 32),
  approleLogin('approle-login-16', 16),
  approleLogin('approle-login-10', 10),
  // The same logins issuing batch tokens, which store nothing: no durable write per login.
  approleLogin('approle-login-batch', 32, 'batch'),
  writeScenario('kv-write', 10),
  writeScenario('kv-write-16', 16),
  updateScenario('kv-update-16', 16),
  {
    // Secrets Manager's GetSecretValue from an AWS client: SigV4 verified (the access-key login run in place as
    // the call's authentication, no token minted) and the action authorised on the secret's path, in one pass
    // through the pipeline. One request signed by botocore is replayed: a signature stays valid for the
    // 15-minute clock window.
    name: 'aws-get-secret-value',
    connections: 10,
    async prepare(f) {
      const { headers, body, response } = await prepareAwsGetSecretValue(f)
      return { path: '/', method: 'POST', body, headers, response }
    },
  },
  transitEncrypt('transit-encrypt-1k', 1),
  transitEncrypt('transit-encrypt-batch-100', 100),
  {
    name: 'kv-list',
    connections: 10,
    async prepare(f) {
      await seed(f, 'bench/folder/key-', 0, 1000)
      const response = (await f.call('GET', 'secret/metadata/bench/folder/?list=true', undefined, f.token))
        .text
      if (JSON.parse(response).data.keys.length !== 1000) throw new Error('list fixture is not 1,000 keys')
      return { path: 'secret/metadata/bench/folder/?list=true', method: 'GET', response }
    },
  },
]

type Prepared = Awaited<ReturnType<Scenario['prepare']>>

/** A Vault API path under /v1/, or an AWS call on the root path (`path` then starts with '/'). */
function urlOf(address: string, prep: Prepared): string {
  return prep.path.startsWith('/') ? `${address}${prep.path}` : `${address}/v1/${prep.path}`
}

function loadSpec(url: string, prep: Prepared, connections: number, token: string): LoadSpec {
  const spec: LoadSpec = {
    url,
    method: prep.method,
    connections,
    seconds: SECONDS,
    headers: prep.headers ?? { 'x-vault-token': token },
  }
  if (prep.body !== undefined) spec.body = prep.body
  if (prep.bodies !== undefined) spec.bodies = prep.bodies
  if (prep.idModulo !== undefined) spec.idModulo = prep.idModulo
  return spec
}

async function measure(url: string, prep: Prepared, connections: number, token: string) {
  const result = await runLoad(loadSpec(url, prep, connections, token))
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx`)
  return result
}

function mean(results: LoadResult[]): LoadResult {
  const avg = (pick: (r: LoadResult) => number) =>
    results.reduce((sum, r) => sum + pick(r), 0) / results.length
  const ms = (value: number) => Math.round(value * 10) / 10
  return {
    rps: avg((r) => r.rps),
    p50: ms(avg((r) => r.p50)),
    p99: ms(avg((r) => r.p99)),
    errors: 0,
    non2xx: 0,
    ...(results.every((r) => r.generatorCpu !== undefined)
      ? { generatorCpu: avg((r) => r.generatorCpu!) }
      : {}),
  }
}

function report(
  name: string,
  coffer: LoadResult,
  ratio: number,
  plain?: LoadResult,
  extra: Record<string, unknown> = {},
) {
  const row = {
    scenario: name,
    rps: Math.round(coffer.rps),
    p50_ms: coffer.p50,
    p99_ms: coffer.p99,
    ratio: Number(ratio.toFixed(3)),
    ...(plain?.generatorCpu !== undefined
      ? { generator_cpu: Number(Math.max(coffer.generatorCpu ?? 0, plain.generatorCpu).toFixed(2)) }
      : {}),
    ...extra,
  }
  if (json) process.stdout.write(`${JSON.stringify(row)}\n`)
  else {
    // The generator's busiest CPU share across both servers: near 1.0 means it, not the server, set the pace.
    const generator =
      row.generator_cpu === undefined ? '' : `  gen cpu ${Math.round(row.generator_cpu * 100)}%`
    const plainText = plain
      ? `plain ${Math.round(plain.rps)} req/s p50 ${plain.p50} ms${generator}`
      : Object.entries(extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
    process.stdout.write(
      `${name.padEnd(16)} ${String(row.rps).padStart(7)} req/s  p50 ${String(row.p50_ms).padStart(5)} ms  p99 ${String(row.p99_ms).padStart(5)} ms  ratio ${row.ratio.toFixed(2)}  ${plainText}\n`,
    )
  }
}

async function runScenario(fixture: CofferFixture, scenario: Scenario) {
  const prep = await scenario.prepare(fixture)
  // The answer goes to the plain server in a file: a batch's answer is larger than one environment string may be.
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'coffer-bench-body-')), 'body.json')
  writeFileSync(bodyFile, prep.response)
  const plain = await spawnPlain(
    prep.method === 'GET' ? { READ_BODY_FILE: bodyFile } : { WRITE_BODY_FILE: bodyFile },
  )
  try {
    // One unmeasured second each first: JIT warm-up would otherwise count against whichever runs first.
    await runLoad({
      ...loadSpec(urlOf(plain.address, prep), prep, scenario.connections, fixture.token),
      seconds: 1,
    })
    await runLoad({
      ...loadSpec(urlOf(fixture.address, prep), prep, scenario.connections, fixture.token),
      seconds: 1,
    })
    const plainRuns: LoadResult[] = []
    const cofferRuns: LoadResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      plainRuns.push(await measure(urlOf(plain.address, prep), prep, scenario.connections, fixture.token))
      cofferRuns.push(await measure(urlOf(fixture.address, prep), prep, scenario.connections, fixture.token))
    }
    const p = mean(plainRuns)
    const c = mean(cofferRuns)
    report(scenario.name, c, c.rps / p.rps, p, { connections: scenario.connections })
  } finally {
    await plain.stop()
    await prep.cleanup?.()
  }
}

/**
 * Single-connection reads at 1,000 stored secrets and again at 100,000: one hot secret (served from the
 * barrier's cache) and secrets spread over the whole population (mostly cache misses: SQLite and AES-GCM).
 * `ratio` is throughput at 100k over throughput at 1k for the spread reads; >= 0.5 means latency within 2x.
 */
async function runScale(fixture: CofferFixture) {
  const url = (path: string) => `${fixture.address}/v1/secret/data/bench/scale/${path}`
  const read = (path: string, idModulo?: number) =>
    runLoad({
      url: url(path),
      connections: 1,
      seconds: SECONDS,
      headers: { 'x-vault-token': fixture.token },
      ...(idModulo ? { idModulo } : {}),
    })
  const latencyMs = (r: LoadResult) => Number((1000 / r.rps).toFixed(4))
  await seed(fixture, 'bench/scale/s-', 0, 1000)
  await read('s-0')
  const smallHot = await read('s-0')
  const smallSpread = await read('s-[<id>]', 1000)
  await seed(fixture, 'bench/scale/s-', 1000, 99_000, 64)
  const largeHot = await read('s-0')
  const largeSpread = await read('s-[<id>]', 100_000)
  for (const r of [smallHot, smallSpread, largeHot, largeSpread])
    if (r.errors || r.non2xx) throw new Error('scale read failed')
  report('kv-read-100k', largeSpread, largeSpread.rps / smallSpread.rps, undefined, {
    mean_ms_1k_spread: latencyMs(smallSpread),
    mean_ms_100k_spread: latencyMs(largeSpread),
    mean_ms_1k_hot: latencyMs(smallHot),
    mean_ms_100k_hot: latencyMs(largeHot),
    latency_ratio_100k_to_1k: Number((smallSpread.rps / largeSpread.rps).toFixed(3)),
  })
}

/**
 * The same 16-writer load against the plain server twice: answering at once, and after a durable two-row
 * SQLite write. Its ratio is the most any durable write path can reach here with this storage.
 */
async function runDurableFloor(fixture: CofferFixture) {
  const prep = await writeScenario('durable-floor', 16).prepare(fixture)
  const env = { WRITE_BODY: prep.response }
  const dir = mkdtempSync(join(tmpdir(), 'coffer-floor-'))
  const plain = await spawnPlain(env)
  const durable = await spawnPlain({ ...env, DURABLE_DB: join(dir, 'floor.db') })
  try {
    const url = (address: string) => `${address}/v1/${prep.path}`
    await runLoad({ ...loadSpec(url(plain.address), prep, 16, ''), seconds: 1 })
    await runLoad({ ...loadSpec(url(durable.address), prep, 16, ''), seconds: 1 })
    await runLoad({ ...loadSpec(url(fixture.address), prep, 16, fixture.token), seconds: 1 })
    const plainRuns: LoadResult[] = []
    const durableRuns: LoadResult[] = []
    // Coffer's own 16-writer load in the same alternation, so the ratio the target is set on is read from adjacent
    // rounds: on a shared host the disk's latency and the neighbours' load drift more between scenarios than a
    // change's effect.
    const cofferRuns: LoadResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      plainRuns.push(await measure(url(plain.address), prep, 16, ''))
      durableRuns.push(await measure(url(durable.address), prep, 16, ''))
      cofferRuns.push(await measure(url(fixture.address), prep, 16, fixture.token))
    }
    const p = mean(plainRuns)
    const d = mean(durableRuns)
    const c = mean(cofferRuns)
    report('durable-floor-16', d, d.rps / p.rps, p, { connections: 16 })
    if (json)
      process.stdout.write(
        `${JSON.stringify({ scenario: 'kv-write-16-vs-floor', rps: Math.round(c.rps), floor_rps: Math.round(d.rps), ratio: Number((c.rps / d.rps).toFixed(3)) })}\n`,
      )
    else
      process.stdout.write(
        `${'write vs floor'.padEnd(16)} kv-write-16 ${Math.round(c.rps)} req/s in the same rounds: ${(c.rps / d.rps).toFixed(2)} of durable-floor-16\n`,
      )
  } finally {
    await plain.stop()
    await durable.stop()
  }
}

/**
 * The plain server answering kv-read's body, and again appending an audited read's two lines (Coffer's own, taken
 * from a file device's log) to a file before each answer, once per event-loop turn as Coffer's device writes:
 * what recording a read costs this machine's kernel and disk with none of Coffer's audit work (HMACs, building
 * the lines, the hash chain). Its per-read cost, added to kv-read's, bounds kv-read-audit's ratio to kv-read.
 */
async function runAuditFloor(fixture: CofferFixture) {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-audit-floor-'))
  const log = join(dir, 'coffer-audit.log')
  const enabled = await fixture.call(
    'PUT',
    'sys/audit/floor',
    { type: 'file', options: { file_path: log } },
    fixture.root,
  )
  if (enabled.status !== 204) throw new Error(`audit enable failed: ${enabled.status} ${enabled.text}`)
  await fixture.call('POST', 'secret/data/bench/read', secret1k, fixture.token)
  const response = (await fixture.call('GET', 'secret/data/bench/read', undefined, fixture.token)).text
  await fixture.call('DELETE', 'sys/audit/floor', undefined, fixture.root)
  // The read's request and response lines: the last two that record a read of that path.
  const pair = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"operation":"read"') && line.includes('"path":"secret/data/bench/read"'))
    .slice(-2)
  if (!pair[0]?.includes('"type":"request"') || !pair[1]?.includes('"type":"response"'))
    throw new Error("audit floor: the read's two lines were not found in the log")
  const linesFile = join(dir, 'lines.jsonl')
  const bodyFile = join(dir, 'body.json')
  writeFileSync(linesFile, `${pair.join('\n')}\n`)
  writeFileSync(bodyFile, response)
  const plain = await spawnPlain({ READ_BODY_FILE: bodyFile })
  const appending = await spawnPlain({
    READ_BODY_FILE: bodyFile,
    AUDIT_LINES_FILE: linesFile,
    AUDIT_APPEND_FILE: join(dir, 'floor-audit.log'),
  })
  const prep = { path: 'secret/data/bench/read', method: 'GET' as const, response }
  // Coffer's read without and with a file device, in the same alternation as the two plain servers: the target is
  // the ratio of those two, and on a shared host rounds minutes apart drift by more than the audit's cost.
  const deviceOn = async (round: number) => {
    const on = await fixture.call(
      'PUT',
      'sys/audit/paired',
      { type: 'file', options: { file_path: join(dir, `paired-${round}.log`) } },
      fixture.root,
    )
    if (on.status !== 204) throw new Error(`audit enable failed: ${on.status} ${on.text}`)
  }
  const deviceOff = () => fixture.call('DELETE', 'sys/audit/paired', undefined, fixture.root)
  const cofferUrl = urlOf(fixture.address, prep)
  try {
    await runLoad({ ...loadSpec(urlOf(plain.address, prep), prep, 10, ''), seconds: 1 })
    await runLoad({ ...loadSpec(urlOf(appending.address, prep), prep, 10, ''), seconds: 1 })
    await runLoad({ ...loadSpec(cofferUrl, prep, 10, fixture.token), seconds: 1 })
    // And one with a device, so the audit's own code is compiled before it is measured.
    await deviceOn(-1)
    await runLoad({ ...loadSpec(cofferUrl, prep, 10, fixture.token), seconds: 1 })
    await deviceOff()
    const plainRuns: LoadResult[] = []
    const appendRuns: LoadResult[] = []
    const readRuns: LoadResult[] = []
    const auditedRuns: LoadResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      plainRuns.push(await measure(urlOf(plain.address, prep), prep, 10, ''))
      appendRuns.push(await measure(urlOf(appending.address, prep), prep, 10, ''))
      readRuns.push(await measure(cofferUrl, prep, 10, fixture.token))
      await deviceOn(round)
      try {
        auditedRuns.push(await measure(cofferUrl, prep, 10, fixture.token))
      } finally {
        await deviceOff()
      }
    }
    const p = mean(plainRuns)
    const a = mean(appendRuns)
    report('audit-floor', a, a.rps / p.rps, p, {
      connections: 10,
      line_bytes: Buffer.byteLength(pair.join('')) + 2,
    })
    reportAuditRatio(p, a, mean(readRuns), mean(auditedRuns))
  } finally {
    await plain.stop()
    await appending.stop()
  }
}

/**
 * kv-read-audit against kv-read (the target is a ratio of these two) from the same rounds, and the most it could be
 * here: each read taking kv-read's time plus what the floor's append alone adds per read (a server bound by its
 * request thread).
 */
function reportAuditRatio(plain: LoadResult, appending: LoadResult, read: LoadResult, audited: LoadResult) {
  const appendSeconds = Math.max(0, 1 / appending.rps - 1 / plain.rps)
  const bound = 1 / read.rps / (1 / read.rps + appendSeconds)
  const ratio = audited.rps / read.rps
  if (json)
    process.stdout.write(
      `${JSON.stringify({ scenario: 'kv-read-audit-vs-kv-read', read_rps: Math.round(read.rps), audited_rps: Math.round(audited.rps), ratio: Number(ratio.toFixed(3)), append_floor_bound: Number(bound.toFixed(3)) })}\n`,
    )
  else
    process.stdout.write(
      `${'audit vs read'.padEnd(16)} kv-read ${Math.round(read.rps)} and kv-read-audit ${Math.round(audited.rps)} req/s in the same rounds: ${ratio.toFixed(2)}; the append floor's cost per read alone allows at most ${bound.toFixed(2)}\n`,
    )
}

function spawnPlain(env: Record<string, string>) {
  return spawnServerScript(PLAIN, env)
}

async function spawnServerScript(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /Api Address: (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', () => reject(new Error('plain server exited')))
  })
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** Scenarios on two HA nodes on PostgreSQL; each is measured against the plain server, like the others. */
const HA_SCENARIOS = ['kv-read-pg-active', 'kv-read-pg-standby', 'kv-write-16-pg', 'failover']

async function runHa() {
  const wanted = (name: string) => selected.length === 0 || selected.includes(name)
  if (!HA_SCENARIOS.some(wanted)) return
  const ha = await startHaPair()
  try {
    const read = scenarios.find((s) => s.name === 'kv-read')!
    // The standby forwards each read to the active node: one more hop on loopback.
    if (wanted('kv-read-pg-active')) await runScenario(ha.active, { ...read, name: 'kv-read-pg-active' })
    if (wanted('kv-read-pg-standby')) await runScenario(ha.standby, { ...read, name: 'kv-read-pg-standby' })
    if (wanted('kv-write-16-pg')) await runScenario(ha.active, writeScenario('kv-write-16-pg', 16))
    if (wanted('failover')) {
      const ms = await failoverMs(ha)
      if (json) process.stdout.write(`${JSON.stringify({ scenario: 'failover', ms })}\n`)
      else
        process.stdout.write(
          `${'failover'.padEnd(16)} kill -9 of the active node to a write served through the standby: ${ms} ms\n`,
        )
    }
  } catch (error) {
    process.stderr.write(`HA nodes' log:\n${ha.output()}\n`)
    throw error
  } finally {
    await ha.stop()
  }
}

const fixture = await startCoffer(
  process.env['COFFER_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['COFFER_NODE_OPTIONS'] } : {},
)
try {
  if (!json)
    process.stdout.write(
      `Coffer vs plain node:http, ${SECONDS}s x ${ROUNDS} rounds each, alternating (${LOAD_GENERATOR})\n`,
    )
  for (const scenario of scenarios)
    if (selected.length === 0 || selected.includes(scenario.name)) await runScenario(fixture, scenario)
  if (selected.length === 0 || selected.includes('durable-floor-16')) await runDurableFloor(fixture)
  if (selected.length === 0 || selected.includes('audit-floor')) await runAuditFloor(fixture)
  if (selected.length === 0 || selected.includes('kv-read-100k')) await runScale(fixture)
} finally {
  await fixture.process.stop()
}
await runHa()
