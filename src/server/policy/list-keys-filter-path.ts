// OpenBao's list_scan_response_keys_filter_path: a path rule's template naming, per listed key, the path to check.
import { randomBytes } from 'node:crypto'
import { renderTemplate } from '../../lib/go-template.ts'

/**
 * The path checked for one listed key: the template rendered with `.path` (the LIST's path, mount included,
 * ending in '/') and `.key` (the key as listed). Throws the template's error.
 */
export function listKeysCheckPath(template: string, path: string, key: string, now: number): string {
  return renderTemplate(template, { path, key }, now)
}

/**
 * Why a filter template is unusable, or undefined when it is fine. Like OpenBao, it is rendered for two
 * random keys: a template that ignores `.key` would show or hide every key alike.
 */
export function listKeysFilterPathProblem(template: string, path: string): string | undefined {
  const [one, two] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')]
  let first: string
  let second: string
  try {
    first = listKeysCheckPath(template, path, one, 0)
    second = listKeysCheckPath(template, path, two, 0)
  } catch (error) {
    return `unable to compile template: ${(error as Error).message}`
  }
  if (first === second)
    return 'the template resulted in the same path for two different keys (use {{ .key }})'
  return undefined
}
