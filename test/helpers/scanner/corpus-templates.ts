// Where the corpus places a sample: file templates, name casing, and the rule a placed sample should be reported under.

/** Templates that place a named value into a file of some kind; {N} is the name, {V} the value. */
export const TEMPLATES: readonly { path: string; line: string; kinds: 'any' | 'generic' }[] = [
  { path: '.env', line: '{N}={V}', kinds: 'any' },
  { path: 'config/app.yaml', line: '  {n}: "{V}"', kinds: 'any' },
  { path: 'config/app.yml', line: '  {n}: {V}', kinds: 'any' },
  { path: 'settings.py', line: '{N} = "{V}"', kinds: 'any' },
  { path: 'src/client.ts', line: "const {c} = '{V}'", kinds: 'any' },
  { path: 'src/config.js', line: "  {c}: '{V}',", kinds: 'any' },
  { path: 'main.go', line: '\t{c} := "{V}"', kinds: 'any' },
  { path: 'infra/main.tf', line: '  {n} = "{V}"', kinds: 'any' },
  { path: 'config.json', line: '  "{n}": "{V}",', kinds: 'any' },
  { path: 'Dockerfile', line: 'ENV {N}={V}', kinds: 'any' },
  { path: 'app.properties', line: '{d}={V}', kinds: 'any' },
  { path: 'analysis.ipynb', line: '    "{c} = \\"{V}\\"\\n",', kinds: 'any' },
  { path: 'deploy.sh', line: 'export {N}="{V}"', kinds: 'any' },
]

/** `{N}` upper snake, `{n}` lower snake, `{c}` camelCase, `{d}` dotted. */
export function fill(line: string, name: string, value: string): string {
  const parts = name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_\s-]+/)
  const camel = parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('')
  return line
    .replace('{N}', parts.join('_').toUpperCase())
    .replace('{n}', parts.join('_'))
    .replace('{c}', camel)
    .replace('{d}', parts.join('.'))
    .replace('{V}', value)
}

/** The rule a sample should be reported under once placed in `path` (generic findings depend on the file kind). */
export function expectedRule(sampleRule: string, path: string, name: string): string {
  if (sampleRule !== 'generic-password' && sampleRule !== 'generic-secret' && sampleRule !== 'dotenv-secret')
    return sampleRule
  const base = path.slice(path.lastIndexOf('/') + 1)
  if (base.startsWith('.env') || base.endsWith('.sh')) return 'dotenv-secret'
  return /pass|pwd/i.test(name) ? 'generic-password' : 'generic-secret'
}
