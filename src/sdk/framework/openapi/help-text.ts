// The markdown text of `?help=1`: one path's synopsis, operations and parameters, or a backend's paths.
import { type DeclaredPath, synopsis } from './document-paths.ts'
import { fieldDescription, helpType } from './field-schema.ts'
import { openApiPath } from './openapi-path.ts'

const METHODS: Record<string, string> = {
  read: 'GET',
  list: 'LIST (or GET with ?list=true)',
  create: 'POST/PUT',
  update: 'POST/PUT',
  patch: 'PATCH (application/merge-patch+json)',
  delete: 'DELETE',
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces)
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n')
}

/**
 * Help for one request path. Laid out like Vault's (request, matching route, synopsis, then `## PARAMETERS`)
 * so that `vault path-help` output reads the same; a sensitive field's default is never printed.
 */
export function pathHelp(request: string, def: DeclaredPath): string {
  const { params } = openApiPath(def.pattern)
  const fields = def.fields ?? {}
  const names = [...new Set([...params, ...Object.keys(fields)])].sort()
  const lines = [`Request:        ${request}`, `Matching Route: ${def.pattern}`, '', synopsis(def), '']
  const methods = [...new Set(Object.keys(def.operations).map((op) => METHODS[op] ?? op))]
  lines.push('## OPERATIONS', '', indent(methods.join('\n'), 4), '')
  if (names.length > 0) {
    lines.push('## PARAMETERS', '')
    for (const name of names) {
      const field = fields[name]
      const inPath = params.includes(name)
      const notes = [helpType(field)]
      if (inPath) notes.push('in the path')
      if (field?.required) notes.push('required')
      if (field?.sensitive) notes.push('sensitive')
      else if (field && shownDefault(field.default) !== undefined)
        notes.push(`default: ${shownDefault(field.default)}`)
      lines.push(
        indent(`${name} (${notes.join(', ')})`, 4),
        indent(fieldDescription(name, field, inPath), 8),
        '',
      )
    }
  }
  return `${lines.join('\n').trimEnd()}\n`
}

/** Help for a mount's root: the backend's own help, then each path pattern with its synopsis. */
export function rootHelp(backendHelp: string, paths: readonly DeclaredPath[]): string {
  const sorted = [...paths].sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0))
  const lines = ['## DESCRIPTION', '', backendHelp.trim(), '', '## PATHS', '']
  lines.push(
    'Add ?help=1 to a request for any path matching one of these patterns to see its help.',
    'Your token may not be allowed every operation listed.',
    '',
  )
  for (const def of sorted)
    lines.push(indent(def.pattern || '(the mount root)', 4), indent(synopsis(def), 8), '')
  return `${lines.join('\n').trimEnd()}\n`
}

function shownDefault(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : undefined
  if (typeof value === 'object') return undefined
  return String(value)
}
