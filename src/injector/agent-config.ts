// The `coffer agent` HCL config the injector hands its init container and sidecar, from a pod's annotations.
import type { InjectionSpec, SecretSpec } from './annotations.ts'

/** Where the agent's own files live inside its containers (an in-memory emptyDir per container). */
export const AGENT_HOME = '/home/coffer'
export const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/** What Vault's injector renders when a secret has no template: each top-level data key as `key: value`. */
export function defaultTemplate(path: string): string {
  return `{{ with secret ${hclString(path)} }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}`
}

/** An HCL string literal: JSON's escapes, with control characters as \\u escapes the HCL reader accepts. */
export function hclString(text: string): string {
  let out = '"'
  for (const ch of text) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (ch.codePointAt(0)! < 0x20) out += `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return `${out}"`
}

function templateBlock(secret: SecretSpec, spec: InjectionSpec): string {
  const lines = [
    `  destination = ${hclString(`${spec.secretVolumePath}/${secret.file}`)}`,
    `  contents    = ${hclString(secret.template ?? defaultTemplate(secret.path))}`,
    `  left_delimiter  = "{{"`,
    `  right_delimiter = "}}"`,
  ]
  if (secret.perms !== undefined) lines.push(`  perms = ${hclString(secret.perms)}`)
  if (secret.command !== undefined) lines.push(`  command = ${hclString(secret.command)}`)
  return `template {\n${lines.join('\n')}\n}`
}

export interface AgentConfigOptions {
  /** The server address: the pod's `service` annotation, else the injector's -vault-address. */
  vaultAddress: string
  /** true for the init container: authenticate, render once, exit. */
  exitAfterAuth: boolean
}

/** The agent config: kubernetes auto-auth with the pod's role, a token sink, and one template per secret. */
export function agentConfig(spec: InjectionSpec, options: AgentConfigOptions): string {
  const vault = [`  address = ${hclString(options.vaultAddress)}`]
  if (spec.caCert !== undefined) vault.push(`  ca_cert = ${hclString(spec.caCert)}`)
  if (spec.tlsSkipVerify) vault.push('  tls_skip_verify = true')
  const sinks = [`  sink "file" {\n    config = { path = ${hclString(`${AGENT_HOME}/.vault-token`)} }\n  }`]
  if (spec.injectToken)
    sinks.push(`  sink "file" {\n    config = { path = ${hclString(`${spec.secretVolumePath}/token`)} }\n  }`)
  const parts = [
    `exit_after_auth = ${options.exitAfterAuth}`,
    `pid_file = ${hclString(`${AGENT_HOME}/.pid`)}`,
    `vault {\n${vault.join('\n')}\n}`,
    [
      'auto_auth {',
      '  method "kubernetes" {',
      `    mount_path = ${hclString(spec.authPath)}`,
      `    config = { role = ${hclString(spec.role ?? '')}, token_path = ${hclString(TOKEN_PATH)} }`,
      '  }',
      ...sinks,
      '}',
    ].join('\n'),
  ]
  if (spec.renderInterval !== undefined)
    parts.push(`template_config {\n  static_secret_render_interval = ${hclString(spec.renderInterval)}\n}`)
  for (const secret of spec.secrets) parts.push(templateBlock(secret, spec))
  return `${parts.join('\n\n')}\n`
}
