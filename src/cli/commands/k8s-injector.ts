// `coffer k8s-injector`: the mutating admission webhook that adds `coffer agent` to annotated pods.
import { startInjector } from '../../injector/index.ts'
import { CliError, type CommandSpec } from '../context.ts'
import { UsageError } from '../flags.ts'

export const k8sInjectorCommand: CommandSpec = {
  path: ['k8s-injector'],
  usage: '-tls-cert-file=FILE -tls-key-file=FILE -vault-address=URL [options]',
  summary: 'Serve the Kubernetes admission webhook that injects coffer agent into annotated pods',
  help: [
    'Serves POST /mutate over HTTPS for a MutatingWebhookConfiguration (AdmissionReview v1). Pods annotated',
    'vault.hashicorp.com/agent-inject: "true" (or coffer.dev/agent-inject) get an in-memory volume at',
    '/vault/secrets, an init container and a sidecar running coffer agent. Runs until SIGINT or SIGTERM.',
    'See docs/kubernetes-injector.md.',
  ].join('\n'),
  flags: [
    {
      name: 'listen',
      kind: 'string',
      placeholder: 'ADDR',
      usage: 'Address to listen on (default 0.0.0.0:8080)',
    },
    {
      name: 'tls-cert-file',
      kind: 'string',
      placeholder: 'FILE',
      usage: 'PEM certificate the API server trusts',
    },
    {
      name: 'tls-key-file',
      kind: 'string',
      placeholder: 'FILE',
      usage: 'PEM private key of the certificate',
    },
    {
      name: 'vault-address',
      kind: 'string',
      placeholder: 'URL',
      usage: 'Server address given to the agents',
    },
    {
      name: 'agent-image',
      kind: 'string',
      placeholder: 'IMAGE',
      usage: 'Agent image (default ghcr.io/coffer/coffer:latest)',
    },
  ],
  offline: true,
  maxArgs: 0,
  async run(ctx) {
    const tlsCertFile = ctx.flags.string('tls-cert-file') ?? ctx.env['AGENT_INJECT_TLS_CERT_FILE']
    const tlsKeyFile = ctx.flags.string('tls-key-file') ?? ctx.env['AGENT_INJECT_TLS_KEY_FILE']
    const vaultAddress = ctx.flags.string('vault-address') ?? ctx.env['AGENT_INJECT_VAULT_ADDR']
    if (!tlsCertFile || !tlsKeyFile)
      throw new UsageError(
        '-tls-cert-file and -tls-key-file are required: the API server only calls webhooks over HTTPS',
      )
    if (!vaultAddress) throw new UsageError('-vault-address=URL is required')
    if (!/^https?:\/\/[^/]/.test(vaultAddress)) throw new UsageError('-vault-address must be an http(s) URL')
    const listen = ctx.flags.string('listen') ?? ctx.env['AGENT_INJECT_LISTEN'] ?? '0.0.0.0:8080'
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):\d{1,5}$/.test(listen) || Number(listen.split(':').at(-1)) > 65535)
      throw new UsageError(`-listen must be HOST:PORT, not "${listen}"`)
    const injector = await startInjector({
      listen,
      tlsCertFile,
      tlsKeyFile,
      vaultAddress,
      agentImage:
        ctx.flags.string('agent-image') ??
        ctx.env['AGENT_INJECT_VAULT_IMAGE'] ??
        'ghcr.io/coffer/coffer:latest',
      log: (message) => ctx.err(`${new Date().toISOString()} [WARN] k8s-injector: ${message}`),
    }).catch((error: NodeJS.ErrnoException) => {
      // A missing or unreadable certificate, a bad key, a port in use: say which, without a stack.
      throw new CliError(
        `Error starting the injector: ${error.code ?? error.message}${error.path ? ` (${error.path})` : ''}`,
        1,
      )
    })
    ctx.err(`${new Date().toISOString()} [INFO] k8s-injector: listening on https://${injector.address}`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await injector.close()
    return 0
  },
}
