// End-to-end: `coffer k8s-injector` over HTTPS, its patch applied to a pod, and the injected agent config run for real.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { withDeadline } from '../helpers/deadline.ts'
import { applyPatch } from '../helpers/json-patch.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'
import { startTokenReviewServer, type TokenReviewServer } from '../helpers/token-review-server.ts'

const ENTRY = fileURLToPath(new URL('../../src/coffer.ts', import.meta.url))
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'k8s')
const APP = { namespace: 'prod', name: 'app', uid: '4c1f8e2a-6b7d-4e55-9a0c-1d2e3f405162' }

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON, checked field by field
type Json = Record<string, any>

function spawnCoffer(args: string[]) {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return {
    child,
    log: () => log,
    exited: () => withDeadline(exited, `the process exits; log:\n${log}`),
    async until(what: string, check: () => boolean) {
      await withDeadline(
        (async () => {
          while (!check()) await delay(50)
        })(),
        `${what}; log:\n${log}`,
      )
    },
  }
}

describe('coffer k8s-injector as a process', () => {
  const temp = makeTempDir('coffer-injector-')
  const children: ChildProcess[] = []
  let t: TestServer
  let k8s: TokenReviewServer
  let ca: Buffer
  let injectorUrl = ''

  const post = (path: string, body: string, contentType = 'application/json') =>
    new Promise<{ status: number; body: Json }>((resolve, reject) => {
      const req = https.request(
        `${injectorUrl}${path}`,
        { method: 'POST', ca, agent: false, headers: { 'content-type': contentType } },
        (res) => {
          let text = ''
          res.on('data', (c: Buffer) => (text += c.toString()))
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
        },
      )
      req.on('error', reject)
      req.end(body)
    })

  before(async () => {
    const cert = makeSelfSignedCert(temp.dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    ca = readFileSync(cert.cert)
    k8s = await startTokenReviewServer({ key: readFileSync(cert.key, 'utf8'), cert: ca.toString() })
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/kubernetes', { body: { type: 'kubernetes' } })).status, 204)
    const config = await t.call('POST', 'auth/kubernetes/config', {
      body: {
        kubernetes_host: k8s.host,
        kubernetes_ca_cert: ca.toString(),
        token_reviewer_jwt: k8s.reviewerJwt,
      },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    await t.call('PUT', 'sys/policies/acl/app-read', {
      body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
    })
    const role = await t.call('POST', 'auth/kubernetes/role/app', {
      body: {
        bound_service_account_names: ['app'],
        bound_service_account_namespaces: ['prod'],
        token_policies: ['app-read'],
        token_ttl: '1h',
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    const put = await t.call('POST', 'secret/data/app/db', {
      body: { data: { username: 'app-user', password: 'p4ss' } },
    })
    assert.equal(put.status, 200)

    const injector = spawnCoffer([
      'k8s-injector',
      '-listen=127.0.0.1:0',
      `-tls-cert-file=${cert.cert}`,
      `-tls-key-file=${cert.key}`,
      `-vault-address=${t.address}`,
    ])
    children.push(injector.child)
    await injector.until('the injector listens', () => /listening on https:\/\/\S+/.test(injector.log()))
    injectorUrl = /listening on (https:\/\/\S+)/.exec(injector.log())![1]!
  })
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    await t?.close()
    await k8s?.close()
    temp.remove()
  })

  /** The pod after the injector's patch for `review`. */
  async function injected(review: Json): Promise<Json> {
    const reply = await post('/mutate', JSON.stringify(review))
    assert.equal(reply.status, 200)
    assert.equal(reply.body['apiVersion'], 'admission.k8s.io/v1')
    assert.equal(reply.body['kind'], 'AdmissionReview')
    const response = reply.body['response']
    assert.equal(response.uid, review['request'].uid)
    assert.equal(response.allowed, true)
    assert.equal(response.patchType, 'JSONPatch')
    return applyPatch(review['request'].object, JSON.parse(Buffer.from(response.patch, 'base64').toString()))
  }

  /** The agent config of an injected container, with the pod's paths moved into a temp dir on this machine. */
  function localConfig(container: Json, dir: string, tokenFile: string): string {
    // The agent's home is an emptyDir mount in the pod: it exists before the agent starts.
    mkdirSync(join(dir, 'home'), { recursive: true })
    const env = container.env.find((e: Json) => e.name === 'COFFER_AGENT_CONFIG')
    return Buffer.from(env.value, 'base64')
      .toString()
      .replaceAll('/var/run/secrets/kubernetes.io/serviceaccount/token', tokenFile)
      .replaceAll('/vault/secrets', join(dir, 'secrets'))
      .replaceAll('/home/coffer', join(dir, 'home'))
  }

  it('patches a kubectl-shaped pod; the init agent logs in with the service account and renders the default template', async () => {
    const review = JSON.parse(readFileSync(join(FIXTURES, 'review-minimal-pod.json'), 'utf8'))
    const pod = await injected(review)
    assert.deepEqual(
      pod.spec.containers.map((c: Json) => c.name),
      ['app', 'coffer-agent'],
    )
    const init = pod.spec.initContainers[0]
    assert.deepEqual(init.env[0], { name: 'VAULT_ADDR', value: t.address })

    const tokenFile = join(temp.dir, 'sa-token')
    writeFileSync(tokenFile, await k8s.projectedToken(APP, 'vault'))
    const initDir = join(temp.dir, 'init')
    const configFile = join(temp.dir, 'init.hcl')
    writeFileSync(configFile, localConfig(init, initDir, tokenFile))
    const agent = spawnCoffer(['agent', `-config=${configFile}`])
    children.push(agent.child)
    assert.equal(await agent.exited(), 0, agent.log())
    const rendered = readFileSync(join(initDir, 'secrets', 'db-creds'), 'utf8')
    // Vault's injector default: each key of the secret's data printed as Go prints it.
    const lines = rendered.split('\n')
    assert.equal(lines[0], 'data: map[password:p4ss username:app-user]')
    assert.match(lines[1]!, /^metadata: map\[created_time:\S+ .*version:1\]$/)
    const token = readFileSync(join(initDir, 'home', '.vault-token'), 'utf8')
    const self = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.body.data.meta.service_account_name, 'app')
    assert.ok(!agent.log().includes(token), 'the token stays out of the log')
  })

  it('the sidecar agent keeps running and renders a custom template into the file and perms asked for', async () => {
    const review = JSON.parse(readFileSync(join(FIXTURES, 'review-full-pod.json'), 'utf8'))
    const annotations = review.request.object.metadata.annotations
    annotations['vault.hashicorp.com/auth-path'] = 'auth/kubernetes'
    delete annotations['vault.hashicorp.com/agent-inject-command-config.json']
    await t.call('POST', 'secret/data/app/web', { body: { data: { user: 'web', password: 's3cret' } } })
    const pod = await injected(review)
    const sidecar = pod.spec.containers.find((c: Json) => c.name === 'coffer-agent')
    const tokenFile = join(temp.dir, 'sa-token-2')
    writeFileSync(tokenFile, await k8s.projectedToken(APP, 'vault'))
    const dir = join(temp.dir, 'sidecar')
    const configFile = join(temp.dir, 'sidecar.hcl')
    writeFileSync(configFile, localConfig(sidecar, dir, tokenFile))
    const agent = spawnCoffer(['agent', `-config=${configFile}`])
    children.push(agent.child)
    const out = join(dir, 'secrets', 'conf', 'app.json')
    await agent.until('the custom template is rendered', () => existsSync(out))
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { user: 'web', password: 's3cret' })
    assert.equal(statSync(out).mode & 0o777, 0o440)
    assert.equal(agent.child.exitCode, null, 'the sidecar does not exit after auth')
    agent.child.kill('SIGTERM')
    assert.equal(await agent.exited(), 0)
  })

  it('admits an already injected pod unchanged, and answers a malformed review with 400', async () => {
    const review = JSON.parse(readFileSync(join(FIXTURES, 'review-minimal-pod.json'), 'utf8'))
    review.request.object = await injected(review)
    const again = await post('/mutate', JSON.stringify(review))
    assert.deepEqual(again.body['response'], { uid: review.request.uid, allowed: true })
    const garbage = await post('/mutate', '{"kind": "AdmissionRev')
    assert.equal(garbage.status, 400)
    assert.match(garbage.body['error'], /not JSON/)
    const wrongType = await post('/mutate', JSON.stringify(review), 'text/plain')
    assert.equal(wrongType.status, 400)
  })

  it('answers a review whose pod has a number for an annotation, and keeps serving', async () => {
    const review = JSON.parse(readFileSync(join(FIXTURES, 'review-minimal-pod.json'), 'utf8'))
    review.request.object.metadata.annotations['vault.hashicorp.com/agent-inject-secret-db'] = 5
    const reply = await post('/mutate', JSON.stringify(review))
    assert.equal(reply.status, 200)
    assert.equal(reply.body['response'].allowed, false)
    assert.match(reply.body['response'].status.message, /is not a string/)
    const fine = JSON.parse(readFileSync(join(FIXTURES, 'review-minimal-pod.json'), 'utf8'))
    assert.equal((await post('/mutate', JSON.stringify(fine))).status, 200, 'the injector is still up')
  })

  it('refuses to start without TLS or a server address', async () => {
    for (const [args, message] of [
      [['-vault-address=https://coffer:8200'], /-tls-cert-file and -tls-key-file are required/],
      [['-tls-cert-file=/x', '-tls-key-file=/y'], /-vault-address=URL is required/],
      [['-tls-cert-file=/x', '-tls-key-file=/y', '-vault-address=coffer:8200'], /must be an http\(s\) URL/],
      [['-tls-cert-file=/x', '-tls-key-file=/y', '-vault-address=http://c:1', '-listen=8080'], /HOST:PORT/],
      [
        ['-tls-cert-file=/nonexistent.pem', '-tls-key-file=/y', '-vault-address=http://c:1'],
        /ENOENT \(\/nonexistent\.pem\)/,
      ],
    ] as const) {
      const run = spawnCoffer(['k8s-injector', ...args])
      children.push(run.child)
      assert.equal(await run.exited(), 1, run.log())
      assert.match(run.log(), message)
    }
  })

  it('serves /health, refuses other methods and paths, and a body over 4 MiB with 413', async () => {
    const call = (method: string, path: string, body?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(`${injectorUrl}${path}`, { method, ca, agent: false }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode!))
        })
        req.on('error', reject)
        req.end(body)
      })
    assert.equal(await call('GET', '/health'), 200)
    assert.equal(await call('GET', '/mutate'), 405)
    assert.equal(await call('POST', '/validate', '{}'), 404)
    assert.equal(await call('POST', '/mutate', 'x'.repeat(5 * 1024 * 1024)), 413)
  })
})
