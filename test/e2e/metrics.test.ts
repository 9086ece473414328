// sys/metrics on a real `coffer server -config` process: a token-guarded listener and an unauthenticated one.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { parsePrometheusText, type Sample, sampleValue } from '../helpers/prometheus-text.ts'
import { program, skipUnless } from '../helpers/requirements.ts'
import { client } from '../helpers/server.ts'

/** A port nothing listens on right now, for the second listener (the banner names only the first). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function prometheus(base: string, token?: string): Promise<{ status: number; samples: Sample[] }> {
  const res = await fetch(`${base}/v1/sys/metrics?format=prometheus`, {
    headers: token ? { 'x-vault-token': token } : {},
  })
  const text = await res.text()
  return { status: res.status, samples: res.status === 200 ? parsePrometheusText(text).samples : [] }
}

describe('sys/metrics on a server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-metrics-e2e-'))
  let server: ServerProcess
  let open: string
  before(async () => {
    const port = await freePort()
    open = `http://127.0.0.1:${port}`
    const config = join(dir, 'coffer.hcl')
    writeFileSync(
      config,
      `storage "sqlite" {\n  path = "${join(dir, 'coffer.db')}"\n}\n` +
        `listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n` +
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n  telemetry {\n    unauthenticated_metrics_access = true\n  }\n}\n` +
        `telemetry {\n  prometheus_retention_time = "24h"\n  disable_hostname = true\n  secret_access_path_depth = 1\n}\n`,
    )
    server = await spawnServer([`-config=${config}`])
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('the unauthenticated listener answers while sealed; the other one needs the server unsealed', async () => {
    const sealed = await prometheus(open)
    assert.equal(sealed.status, 200)
    assert.equal(sampleValue(sealed.samples, 'vault_core_unsealed'), 0)
    assert.equal((await prometheus(server.address)).status, 503)
  })

  it('needs a token on the ordinary listener, and counts move after requests', async () => {
    const call = client(server.address, '')
    const init = await call('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })
    await call('PUT', 'sys/unseal', { body: { key: init.body.keys[0] } })
    const root = init.body.root_token as string
    const admin = client(server.address, root)
    assert.equal((await admin('POST', 'sys/mounts/kv', { body: { type: 'kv-v2' } })).status, 204)
    assert.equal((await admin('POST', 'kv/data/team/app', { body: { data: { v: 1 } } })).status, 200)

    assert.equal((await prometheus(server.address)).status, 403)
    const before = await prometheus(server.address, root)
    assert.equal(before.status, 200)
    for (let i = 0; i < 4; i++) assert.equal((await admin('GET', 'kv/data/team/app')).status, 200)
    // The open listener serves the same node's metrics without a token; depth 1 keeps kv/data.
    const after = await prometheus(open)
    assert.equal(sampleValue(after.samples, 'vault_core_unsealed'), 1)
    const reads = (s: Sample[]) => sampleValue(s, 'vault_secret_access_count', { path: 'kv/data' }) ?? 0
    assert.equal(reads(after.samples) - reads(before.samples), 4)
    assert.ok(
      (sampleValue(after.samples, 'vault_core_handle_request_count') ?? 0) >
        (sampleValue(before.samples, 'vault_core_handle_request_count') ?? 0),
    )
  })

  it("answers Vault's JSON shape", async () => {
    const res = await fetch(`${open}/v1/sys/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    const body = (await res.json()) as Record<string, unknown[]>
    for (const key of ['Timestamp', 'Gauges', 'Counters', 'Samples']) assert.ok(key in body, key)
    assert.ok(body['Samples']!.some((s) => (s as { Name: string }).Name === 'vault.core.handle_request'))
  })

  it("is read by the Prometheus project's own Python client parser, with every family and sample", async (t) => {
    if (await skipUnless(t, PROMETHEUS_CLIENT)) return
    const res = await fetch(`${open}/v1/sys/metrics?format=prometheus`)
    assert.equal(res.status, 200)
    const text = await res.text()
    const parsed = JSON.parse(
      execFileSync('python3', ['-c', PARSE_WITH_PROMETHEUS_CLIENT], { input: text, encoding: 'utf8' }),
    ) as {
      name: string
      type: string
      samples: { name: string; labels: Record<string, string>; value: number }[]
    }[]
    // Every family the exposition declares is understood, with the type it declares.
    const declared = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const)
    assert.ok(declared.length > 10)
    for (const [name, type] of declared) {
      const family = parsed.find((f) => f.name === name || `${f.name}_total` === name)
      assert.ok(family, `family ${name} not parsed`)
      assert.equal(family.type, type === 'untyped' ? 'unknown' : type, name)
    }
    const access = parsed.find((f) => f.name === 'vault_secret_access_count')
    assert.ok((access?.samples.find((s) => s.labels['path'] === 'kv/data')?.value ?? 0) >= 4)
    assert.equal(parsed.find((f) => f.name === 'vault_core_unsealed')?.samples[0]?.value, 1)
  })
})

/** The Prometheus project's Python client (prometheus_client), whose text parser reads the exposition. */
const PROMETHEUS_CLIENT = program('python3', ['-c', 'import prometheus_client.parser'])

const PARSE_WITH_PROMETHEUS_CLIENT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]})
print(json.dumps(out, default=str))
`
