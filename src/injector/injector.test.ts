// The injector in-process: fixture AdmissionReviews in, patches applied to the pods, agent configs loaded by the agent.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { applyPatch } from '../../test/helpers/json-patch.ts'
import { parseAgentConfig } from '../agent/index.ts'
import { handleAdmission } from './admission.ts'
import { defaultTemplate } from './agent-config.ts'

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'k8s')
const SETTINGS = { vaultAddress: 'https://coffer.coffer.svc:8200', agentImage: 'ghcr.io/coffer/coffer:1.0' }

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON, checked field by field
type Json = Record<string, any>

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))
}

function admit(review: Json): { status: number; body: Json } {
  return handleAdmission('application/json', JSON.stringify(review), SETTINGS) as {
    status: number
    body: Json
  }
}

/** The pod after the response's patch, and the patch itself. */
function mutated(review: Json): { pod: Json; ops: Json[]; response: Json } {
  const reply = admit(review)
  assert.equal(reply.status, 200)
  const response = reply.body['response']
  assert.equal(response.uid, review['request'].uid)
  assert.equal(response.allowed, true, JSON.stringify(response))
  assert.equal(response.patchType, 'JSONPatch')
  const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'))
  return { pod: applyPatch(review['request'].object, ops), ops, response }
}

function configOf(container: Json): string {
  const env = container.env.find((e: Json) => e.name === 'COFFER_AGENT_CONFIG')
  return Buffer.from(env.value, 'base64').toString('utf8')
}

describe('k8s injector admission', () => {
  it('adds the arrays a pod without volumes or init containers lacks, and the agent with its config', () => {
    const review = fixture('review-minimal-pod.json')
    const { pod, ops } = mutated(review)
    assert.ok(ops.some((op: Json) => op.path === '/spec/volumes' && Array.isArray(op.value)))
    assert.ok(ops.some((op: Json) => op.path === '/spec/initContainers' && Array.isArray(op.value)))
    assert.ok(ops.some((op: Json) => op.path === '/spec/containers/0/volumeMounts'))
    assert.deepEqual(
      pod.spec.volumes.map((v: Json) => [v.name, v.emptyDir?.medium]),
      [
        ['coffer-secrets', 'Memory'],
        ['coffer-agent-home-init', 'Memory'],
        ['coffer-agent-home-sidecar', 'Memory'],
      ],
    )
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [
      { name: 'coffer-secrets', mountPath: '/vault/secrets', readOnly: true },
    ])
    assert.deepEqual(
      pod.spec.initContainers.map((c: Json) => c.name),
      ['coffer-agent-init'],
    )
    assert.deepEqual(
      pod.spec.containers.map((c: Json) => c.name),
      ['app', 'coffer-agent'],
    )
    assert.equal(pod.metadata.annotations['vault.hashicorp.com/agent-inject-status'], 'injected')

    const init = pod.spec.initContainers[0]
    const sidecar = pod.spec.containers[1]
    for (const agent of [init, sidecar]) {
      assert.equal(agent.image, 'ghcr.io/coffer/coffer:1.0')
      assert.deepEqual(agent.resources, {
        limits: { cpu: '500m', memory: '128Mi' },
        requests: { cpu: '250m', memory: '64Mi' },
      })
      assert.equal(agent.securityContext.runAsUser, 100)
      assert.equal(agent.securityContext.runAsNonRoot, true)
      assert.equal(agent.securityContext.allowPrivilegeEscalation, false)
      assert.deepEqual(agent.env[0], { name: 'VAULT_ADDR', value: SETTINGS.vaultAddress })
      assert.match(agent.args[0], /base64 -d > \/home\/coffer\/config.hcl && exec coffer agent -config=/)
    }
    const initConfig = parseAgentConfig(configOf(init))
    const sidecarConfig = parseAgentConfig(configOf(sidecar))
    assert.equal(initConfig.exitAfterAuth, true)
    assert.equal(sidecarConfig.exitAfterAuth, false)
    for (const config of [initConfig, sidecarConfig]) {
      assert.equal(config.vault.address, SETTINGS.vaultAddress)
      assert.deepEqual(config.autoAuth?.method, {
        type: 'kubernetes',
        mountPath: 'auth/kubernetes',
        role: 'app',
        tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      })
      assert.equal(config.templates.length, 1)
      assert.equal(config.templates[0]!.destination, '/vault/secrets/db-creds')
      assert.equal(config.templates[0]!.contents, defaultTemplate('secret/data/app/db'))
    }
  })

  it('appends to existing arrays, honours the per-secret and agent annotations under both spellings', () => {
    const review = fixture('review-full-pod.json')
    const { pod, ops, response } = mutated(review)
    assert.ok(ops.every((op: Json) => op.path !== '/spec/volumes' && op.path !== '/spec/initContainers'))
    assert.deepEqual(
      pod.spec.volumes.map((v: Json) => v.name),
      [
        'kube-api-access-x7k2p',
        'cache',
        'coffer-secrets',
        'coffer-agent-home-init',
        'coffer-agent-home-sidecar',
      ],
    )
    // agent-init-first: the agent runs before the pod's own init containers, which may need the secrets.
    assert.deepEqual(
      pod.spec.initContainers.map((c: Json) => c.name),
      ['coffer-agent-init', 'migrate'],
    )
    // agent-inject-containers: only "web" gets the secrets volume.
    assert.deepEqual(
      pod.spec.containers[0].volumeMounts.map((m: Json) => m.name),
      ['cache', 'kube-api-access-x7k2p', 'coffer-secrets'],
    )
    assert.equal(pod.spec.containers[1].volumeMounts, undefined)
    assert.equal(pod.metadata.annotations['coffer.dev/agent-inject-status'], 'injected')
    assert.deepEqual(response.warnings, ["annotation namespace has no effect with Coffer's injector"])

    const init = pod.spec.initContainers[0]
    assert.equal(init.securityContext.runAsUser, 2000)
    assert.deepEqual(init.resources, {
      limits: { cpu: '1', memory: '128Mi' },
      requests: { cpu: '250m', memory: '32Mi' },
    })
    assert.deepEqual(init.volumeMounts.at(-1), {
      name: 'kube-api-access-x7k2p',
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    })
    const config = parseAgentConfig(configOf(init))
    assert.equal(config.autoAuth?.method.mountPath, 'auth/k8s-prod')
    const [json, db] = config.templates
    assert.equal(json!.destination, '/vault/secrets/conf/app.json')
    assert.equal(json!.perms, 0o440)
    assert.equal(json!.command, 'kill -HUP 1')
    assert.equal(
      json!.contents,
      '{{ with secret "secret/data/app/web" }}{"user":"{{ .Data.data.user }}","password":"{{ .Data.data.password }}"}{{ end }}',
    )
    assert.equal(db!.destination, '/vault/secrets/db')
  })

  it('never mutates a pod twice: the patched pod is admitted unchanged', () => {
    for (const name of ['review-minimal-pod.json', 'review-full-pod.json']) {
      const review = fixture(name)
      const { pod } = mutated(review)
      review['request'].object = pod
      const again = admit(review)
      assert.deepEqual(again.body['response'], { uid: review['request'].uid, allowed: true })
      // Nor when the status annotation was lost but the agent is there (a spec copied from an injected pod).
      delete pod.metadata.annotations['vault.hashicorp.com/agent-inject-status']
      delete pod.metadata.annotations['coffer.dev/agent-inject-status']
      assert.deepEqual(admit(review).body['response'], { uid: review['request'].uid, allowed: true })
    }
  })

  it('leaves pods without the annotation, or with agent-inject false, and kube-system pods alone', () => {
    const review = fixture('review-minimal-pod.json')
    const annotations = review['request'].object.metadata.annotations
    for (const value of ['false', '0', undefined]) {
      if (value === undefined) delete annotations['vault.hashicorp.com/agent-inject']
      else annotations['vault.hashicorp.com/agent-inject'] = value
      assert.deepEqual(admit(review).body['response'], { uid: review['request'].uid, allowed: true })
    }
    const system = fixture('review-minimal-pod.json')
    system['request'].namespace = 'kube-system'
    assert.deepEqual(admit(system).body['response'], { uid: system['request'].uid, allowed: true })
  })

  it('pre-populate-only has no sidecar; pre-populate false has no init container; a ConfigMap replaces the env config', () => {
    const only = fixture('review-minimal-pod.json')
    only['request'].object.metadata.annotations['vault.hashicorp.com/agent-pre-populate-only'] = 'true'
    const a = mutated(only).pod
    assert.deepEqual(
      a.spec.containers.map((c: Json) => c.name),
      ['app'],
    )
    assert.equal(a.spec.initContainers.length, 1)

    const noInit = fixture('review-minimal-pod.json')
    noInit['request'].object.metadata.annotations['coffer.dev/agent-pre-populate'] = 'false'
    const b = mutated(noInit).pod
    assert.equal(b.spec.initContainers, undefined)
    assert.equal(b.spec.containers.length, 2)

    const cm = fixture('review-minimal-pod.json')
    const cmAnnotations = cm['request'].object.metadata.annotations
    delete cmAnnotations['vault.hashicorp.com/role']
    cmAnnotations['vault.hashicorp.com/agent-configmap'] = 'app-agent-config'
    const c = mutated(cm).pod
    assert.deepEqual(
      c.spec.volumes.find((v: Json) => v.name === 'coffer-agent-config'),
      { name: 'coffer-agent-config', configMap: { name: 'app-agent-config' } },
    )
    assert.match(c.spec.initContainers[0].args[0], /-config=\/coffer\/configs\/config-init\.hcl$/)
    assert.match(c.spec.containers[1].args[0], /-config=\/coffer\/configs\/config\.hcl$/)
    assert.ok(c.spec.initContainers[0].env.every((e: Json) => e.name !== 'COFFER_AGENT_CONFIG'))
  })

  it('refuses a pod whose annotations cannot be honoured, with the reason (allowed: false)', () => {
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ 'vault.hashicorp.com/role': undefined }, /no role found/],
      [{ 'vault.hashicorp.com/agent-inject': 'yes' }, /agent-inject: "yes" is not a boolean/],
      [{ 'vault.hashicorp.com/agent-inject-file-db-creds': '../../etc/passwd' }, /inside the secrets volume/],
      [{ 'vault.hashicorp.com/agent-inject-perms-db-creds': 'rw' }, /file mode/],
      [{ 'vault.hashicorp.com/agent-limits-mem': 'lots' }, /resource quantity/],
      [{ 'vault.hashicorp.com/agent-run-as-user': '-1' }, /user or group ID/],
      [{ 'vault.hashicorp.com/auth-type': 'approle' }, /only "kubernetes"/],
      // Values the agent would refuse at start (a pod stuck in its init container) are refused at admission.
      [{ 'vault.hashicorp.com/template-static-secret-render-interval': 'soon' }, /not a duration/],
      [{ 'vault.hashicorp.com/template-static-secret-render-interval': '0s' }, /not a duration/],
      [{ 'vault.hashicorp.com/agent-inject-file-db-creds': 'a\u0000b' }, /inside the secrets volume/],
      [{ 'vault.hashicorp.com/agent-inject-secret-x\ny': 'secret/data/x' }, /inside the secrets volume/],
    ]
    for (const [changes, message] of cases) {
      const review = fixture('review-minimal-pod.json')
      const annotations = review['request'].object.metadata.annotations
      for (const [key, value] of Object.entries(changes))
        if (value === undefined) delete annotations[key]
        else annotations[key] = value
      const reply = admit(review)
      assert.equal(reply.status, 200)
      const response = reply.body['response']
      assert.equal(response.allowed, false, JSON.stringify(changes))
      assert.equal(response.patch, undefined)
      assert.match(response.status.message, message)
    }
  })

  it('answers a malformed review with 400 and a reason, never a patch', () => {
    const good = JSON.stringify(fixture('review-minimal-pod.json'))
    const bad: [string | undefined, string, RegExp][] = [
      ['text/plain', good, /Content-Type/],
      ['application/json', '', /empty body/],
      ['application/json', '{"kind":', /not JSON/],
      ['application/json', '[]', /expected an AdmissionReview/],
      ['application/json', good.replace('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), /unsupported/],
      [
        'application/json',
        JSON.stringify({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }),
        /uid/,
      ],
    ]
    for (const [type, body, message] of bad) {
      const reply = handleAdmission(type, body, SETTINGS) as { status: number; body: Json }
      assert.equal(reply.status, 400, body.slice(0, 40))
      assert.match(reply.body['error'], message)
    }
  })

  it('refuses a pod with the wrong types where the injector reads (allowed: false), and never throws', () => {
    const annotated = (extra: Json, spec: Json = {}) => {
      const review = fixture('review-minimal-pod.json')
      Object.assign(review['request'].object.metadata.annotations, extra)
      Object.assign(review['request'].object.spec, spec)
      return review
    }
    const hostile: [Json, RegExp][] = [
      [
        annotated({ 'vault.hashicorp.com/agent-inject-secret-db': 5 }),
        /agent-inject-secret-db.* is not a string/,
      ],
      [annotated({ 'vault.hashicorp.com/role': ['app'] }), /role.* is not a string/],
      [annotated({ 'vault.hashicorp.com/secret-volume-path': {} }), /secret-volume-path.* is not a string/],
      [annotated({ 'vault.hashicorp.com/agent-inject-containers': 7 }), /is not a string/],
      [annotated({}, { containers: { app: {} } }), /spec\.containers is not a list/],
      [annotated({}, { containers: [null] }), /spec\.containers\[0\] is not an object/],
      [annotated({}, { containers: [{ name: 'app', volumeMounts: 5 }] }), /volumeMounts is not a list/],
      [annotated({}, { initContainers: 'x' }), /spec\.initContainers is not a list/],
      [annotated({}, { volumes: [{ name: 3 }] }), /spec\.volumes\[0\]\.name is not a string/],
    ]
    for (const [review, message] of hostile) {
      const reply = admit(review)
      assert.equal(reply.status, 200)
      const response = reply.body['response']
      assert.equal(response.allowed, false, JSON.stringify(response))
      assert.equal(response.patch, undefined)
      assert.match(response.status.message, /request\.object is not a pod/)
      assert.match(response.status.message, message)
    }
    const review = fixture('review-minimal-pod.json')
    review['request'].namespace = 12
    assert.equal(admit(review).status, 400)
  })

  it('carries any template text into the agent config unchanged: quotes, backslashes, newlines, control characters', () => {
    const review = fixture('review-minimal-pod.json')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL's interpolation syntax must reach the config as text
    const text = '{{ with secret "secret/data/app/db" }}a\\b "q" ${x} %{y}\n\ttab\u0001\u007f é{{ end }}\n'
    review['request'].object.metadata.annotations['vault.hashicorp.com/agent-inject-template-db-creds'] = text
    review['request'].object.metadata.annotations['vault.hashicorp.com/agent-inject-command-db-creds'] =
      'sh -c "kill -HUP $(cat /run/app.pid)"'
    const { pod } = mutated(review)
    const config = parseAgentConfig(configOf(pod.spec.initContainers[0]))
    assert.equal(config.templates[0]!.contents, text)
    assert.equal(config.templates[0]!.command, 'sh -c "kill -HUP $(cat /run/app.pid)"')
  })
})
