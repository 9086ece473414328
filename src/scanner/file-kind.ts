// Which kind of text a path holds, from its name: decides whether an unquoted value is a literal.
import type { FileKind } from './types.ts'

const BY_EXTENSION: Record<string, FileKind> = {
  env: 'env',
  sh: 'env',
  bash: 'env',
  zsh: 'env',
  properties: 'config',
  ini: 'config',
  cfg: 'config',
  conf: 'config',
  toml: 'config',
  xml: 'config',
  config: 'config',
  yml: 'yaml',
  yaml: 'yaml',
  json: 'json',
  ipynb: 'notebook',
  tf: 'terraform',
  tfvars: 'terraform',
  hcl: 'terraform',
  dockerfile: 'docker',
  md: 'text',
  txt: 'text',
  rst: 'text',
}

const CODE = new Set(
  'js mjs cjs ts mts cts jsx tsx py rb go java kt kts scala cs php rs swift c h cc cpp hpp m groovy dart lua pl ex exs clj erl vue svelte'.split(
    ' ',
  ),
)

export function fileKind(path: string): FileKind {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase()
  if (base.startsWith('.env') || base.endsWith('.env') || base === '.npmrc' || base === '.pypirc')
    return 'env'
  if (base === 'dockerfile' || base.startsWith('dockerfile.') || base === 'containerfile') return 'docker'
  const dot = base.lastIndexOf('.')
  if (dot === -1) return 'text'
  const ext = base.slice(dot + 1)
  if (CODE.has(ext)) return 'code'
  return BY_EXTENSION[ext] ?? 'text'
}
