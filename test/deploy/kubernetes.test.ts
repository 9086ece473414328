// The Kubernetes example (deploy/kubernetes/coffer-ha.yaml) parses, and its ports, paths and config agree.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseConfig } from '../../src/server/config/load-config.ts'
import { runPython } from '../helpers/python.ts'
import { describeUnless, PYYAML, unmet } from '../helpers/requirements.ts'

const MANIFEST = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes', 'coffer-ha.yaml')

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, checked field by field
type K8sObject = Record<string, any>

async function documents(): Promise<K8sObject[]> {
  const script = 'import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))'
  const result = await runPython(['-c', script, MANIFEST], process.env)
  assert.equal(result.code, 0, `the manifest does not parse as YAML:\n${result.stderr}`)
  return JSON.parse(result.stdout) as K8sObject[]
}

describeUnless(await unmet(PYYAML), 'Kubernetes HA example', () => {
  it('holds a ConfigMap, two Services, a three-replica StatefulSet and a PodDisruptionBudget that fit together', async () => {
    const docs = await documents()
    const byKind = (kind: string) => docs.filter((doc) => doc.kind === kind)
    const [config] = byKind('ConfigMap')
    const [set] = byKind('StatefulSet')
    const [budget] = byKind('PodDisruptionBudget')
    assert.ok(config && set && budget)
    assert.equal(set.spec.replicas, 3)
    const podLabels = set.spec.template.metadata.labels
    for (const selector of [set.spec.selector.matchLabels, budget.spec.selector.matchLabels])
      assert.deepEqual(selector, podLabels)
    assert.equal(budget.spec.maxUnavailable, 1)
    const services = byKind('Service')
    assert.equal(services.length, 2)
    for (const service of services) assert.deepEqual(service.spec.selector, podLabels)
    assert.ok(services.some((s) => s.metadata.name === set.spec.serviceName && s.spec.clusterIP === 'None'))

    // The server config in the ConfigMap is valid Coffer config, with HA on PostgreSQL.
    const container = set.spec.template.spec.containers[0]
    const configArg = (container.args as string[])
      .find((arg) => arg.startsWith('-config='))!
      .slice('-config='.length)
    const mounts = new Map<string, string>(
      container.volumeMounts.map((m: K8sObject) => [m.name, m.mountPath]),
    )
    const configVolume = set.spec.template.spec.volumes.find((v: K8sObject) => v.configMap)
    assert.equal(configVolume.configMap.name, config.metadata.name)
    const configKey = configArg.slice(`${mounts.get(configVolume.name)}/`.length)
    assert.ok(
      configArg.startsWith(`${mounts.get(configVolume.name)}/`),
      'the -config path is inside the config mount',
    )
    const text = config.data[configKey] as string
    assert.ok(text, `the ConfigMap holds ${configKey}`)
    const env = container.env as K8sObject[]
    assert.ok(env.some((e) => e.name === 'COFFER_PG_CONNECTION_URL' && e.valueFrom?.secretKeyRef))
    assert.ok(env.some((e) => e.name === 'COFFER_API_ADDR' && /^https:\/\/\$\(POD_IP\):8200$/.test(e.value)))
    process.env['COFFER_PG_CONNECTION_URL'] = 'postgres://coffer@db.example:5432/coffer'
    let parsed: ReturnType<typeof parseConfig>
    try {
      parsed = parseConfig(text, 'hcl')
    } finally {
      delete process.env['COFFER_PG_CONNECTION_URL']
    }
    assert.equal(parsed.storage.type, 'postgresql')
    assert.equal((parsed.storage as { haEnabled?: boolean }).haEnabled, true)

    // Ports: the listener, the container port and both Services' target agree.
    const listener = parsed.listeners[0]!
    const listenPort = Number(listener.address.split(':').at(-1))
    const port = container.ports.find((p: K8sObject) => p.name === 'https')
    assert.equal(port.containerPort, listenPort)
    for (const service of services) assert.equal(service.spec.ports[0].targetPort, port.name)

    // TLS: the listener's files are in the mounted Secret, and the probes speak HTTPS to a health path.
    const tlsVolume = set.spec.template.spec.volumes.find((v: K8sObject) => v.secret)
    const tlsDir = mounts.get(tlsVolume.name)!
    assert.equal(listener.tlsDisable, false)
    assert.ok(listener.tlsCertFile?.startsWith(`${tlsDir}/`))
    assert.ok(listener.tlsKeyFile?.startsWith(`${tlsDir}/`))
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.equal(probe.httpGet.scheme, 'HTTPS')
      assert.equal(probe.httpGet.port, port.name)
      const url = new URL(probe.httpGet.path, 'https://pod')
      assert.equal(url.pathname, '/v1/sys/health')
      assert.equal(
        url.searchParams.get('standbyok'),
        'true',
        'standbys are ready: they forward what they do not serve',
      )
    }
  })
})

describe('Kubernetes HA example file', () => {
  it('is present and names its test', () => {
    assert.match(readFileSync(MANIFEST, 'utf8'), /test\/deploy\/kubernetes\.test\.ts/)
  })
})
