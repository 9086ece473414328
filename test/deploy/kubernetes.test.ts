// The Kubernetes examples (deploy/kubernetes/) parse, and their ports, paths, configs and injected pods agree.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseAgentConfig } from '../../src/agent/index.ts'
import { handleAdmission } from '../../src/injector/index.ts'
import { parseConfig } from '../../src/server/config/load-config.ts'
import { applyPatch } from '../helpers/json-patch.ts'
import { runPython } from '../helpers/python.ts'
import { describeUnless, PYYAML, unmet } from '../helpers/requirements.ts'

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes')
const MANIFEST = join(DEPLOY, 'coffer-ha.yaml')
const INJECTOR = join(DEPLOY, 'coffer-injector.yaml')
const EXAMPLE_APP = join(DEPLOY, 'example-app.yaml')

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, checked field by field
type K8sObject = Record<string, any>

async function documents(file = MANIFEST): Promise<K8sObject[]> {
  const script = 'import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))'
  const result = await runPython(['-c', script, file], process.env)
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

describe('Kubernetes example files', () => {
  it('are present and name their test', () => {
    for (const file of [MANIFEST, INJECTOR, EXAMPLE_APP])
      assert.match(readFileSync(file, 'utf8'), /test\/deploy\/kubernetes\.test\.ts/)
  })
})

describeUnless(await unmet(PYYAML), 'Kubernetes injector example', () => {
  it('wires the webhook to the Service, the Service to the Deployment, and the agents to the HA Service', async () => {
    const docs = await documents(INJECTOR)
    const one = (kind: string) => docs.find((doc) => doc.kind === kind)!
    const deployment = one('Deployment')
    const service = one('Service')
    const webhookConfig = one('MutatingWebhookConfiguration')
    const podLabels = deployment.spec.template.metadata.labels
    assert.deepEqual(deployment.spec.selector.matchLabels, podLabels)
    assert.deepEqual(service.spec.selector, podLabels)
    assert.equal(deployment.spec.template.spec.automountServiceAccountToken, false)

    const container = deployment.spec.template.spec.containers[0]
    const args = container.args as string[]
    assert.equal(args[0], 'k8s-injector')
    const flag = (name: string) => args.find((a) => a.startsWith(`-${name}=`))!.slice(name.length + 2)
    const port = container.ports.find((p: K8sObject) => p.name === 'https')
    assert.equal(Number(flag('listen').split(':').at(-1)), port.containerPort)
    assert.equal(service.spec.ports[0].targetPort, port.name)
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.equal(probe.httpGet.scheme, 'HTTPS')
      assert.equal(probe.httpGet.path, '/health')
      assert.equal(probe.httpGet.port, port.name)
    }
    const tlsVolume = deployment.spec.template.spec.volumes.find((v: K8sObject) => v.secret)
    const tlsDir = container.volumeMounts.find((m: K8sObject) => m.name === tlsVolume.name).mountPath
    assert.equal(flag('tls-cert-file'), `${tlsDir}/tls.crt`)
    assert.equal(flag('tls-key-file'), `${tlsDir}/tls.key`)

    // The agents talk to the HA example's client Service.
    const ha = await documents(MANIFEST)
    const haService = ha.find((d) => d.kind === 'Service' && d.spec.clusterIP !== 'None')!
    const address = new URL(flag('vault-address'))
    assert.equal(address.protocol, 'https:')
    assert.equal(address.hostname.split('.')[0], haService.metadata.name)
    assert.equal(Number(address.port), haService.spec.ports[0].port)

    const [webhook] = webhookConfig.webhooks
    assert.deepEqual(webhook.admissionReviewVersions, ['v1'])
    assert.equal(webhook.sideEffects, 'None')
    assert.equal(webhook.clientConfig.service.name, service.metadata.name)
    assert.equal(webhook.clientConfig.service.path, '/mutate')
    assert.equal(webhook.clientConfig.service.port, service.spec.ports[0].port)
    assert.equal(webhook.clientConfig.caBundle, 'CA_BUNDLE', 'the placeholder the header says to replace')
    assert.equal(address.hostname.split('.')[1], webhook.clientConfig.service.namespace)
    assert.deepEqual(webhook.rules, [
      { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
    ])
    // The injector's own pods are excluded: it could not start if it had to admit itself.
    const [exclusion] = webhook.objectSelector.matchExpressions
    assert.equal(exclusion.operator, 'NotIn')
    assert.ok(exclusion.values.includes(podLabels['app.kubernetes.io/name']))
  })

  it('injects the example app: the patch applies and the agent writes its file where the app reads it', async () => {
    const docs = await documents(EXAMPLE_APP)
    const deployment = docs.find((doc) => doc.kind === 'Deployment')!
    const serviceAccount = docs.find((doc) => doc.kind === 'ServiceAccount')!
    const template = deployment.spec.template
    assert.equal(template.spec.serviceAccountName, serviceAccount.metadata.name)
    // The pod as the API server sends it: the ServiceAccount admission has added the token volume already.
    const tokenMount = {
      name: 'kube-api-access-abcde',
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    }
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...template.metadata, generateName: 'app-', namespace: 'prod' },
      spec: {
        ...template.spec,
        volumes: [
          { name: tokenMount.name, projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        ],
        containers: template.spec.containers.map((c: K8sObject) => ({ ...c, volumeMounts: [tokenMount] })),
      },
    }
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'e0b0c1d2-1111-2222-3333-444455556666',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        namespace: 'prod',
        operation: 'CREATE',
        object: pod,
      },
    }
    const settings = {
      vaultAddress: 'https://coffer.coffer.svc:8200',
      agentImage: 'ghcr.io/coffer/coffer:latest',
    }
    const reply = handleAdmission('application/json', JSON.stringify(review), settings)
    const response = (reply.body as K8sObject).response
    assert.equal(response.allowed, true, JSON.stringify(response))
    const patched = applyPatch(pod, JSON.parse(Buffer.from(response.patch, 'base64').toString()))
    const app = patched.spec.containers[0]
    const secretsMount = app.volumeMounts.find((m: K8sObject) => m.name === 'coffer-secrets')
    const init = patched.spec.initContainers[0]
    const configText = Buffer.from(
      init.env.find((e: K8sObject) => e.name === 'COFFER_AGENT_CONFIG').value,
      'base64',
    ).toString()
    const config = parseAgentConfig(configText)
    assert.equal(config.vault.caCert, '/vault/tls/ca.crt')
    assert.ok(
      patched.spec.volumes.some(
        (v: K8sObject) =>
          v.secret?.secretName === template.metadata.annotations['vault.hashicorp.com/tls-secret'],
      ),
    )
    assert.ok(init.volumeMounts.some((m: K8sObject) => m.mountPath === '/vault/tls'))
    const [file] = config.templates
    assert.equal(file!.perms, 0o440)
    assert.ok(file!.destination.startsWith(`${secretsMount.mountPath}/`))
    assert.ok(app.command.join(' ').includes(file!.destination), 'the app reads the file the agent writes')
    assert.equal(
      init.securityContext.runAsGroup,
      template.spec.securityContext.fsGroup,
      'the app can read the 0440 file through its fsGroup',
    )
    assert.equal(
      (config.autoAuth!.method as { role: string }).role,
      template.metadata.annotations['vault.hashicorp.com/role'],
    )
  })
})
