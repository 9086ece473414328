// Vault's username_template: a Go text/template subset ({{ printf ... (.RoleName | truncate 8) (random 20) | truncate 63 }}).
import { renderTemplate, TemplateError } from '../../../lib/go-template.ts'
import { InvalidRequestError } from '../../../sdk/errors.ts'

export interface TemplateData {
  DisplayName: string
  RoleName: string
}

function fail(problem: string): never {
  throw new InvalidRequestError(`invalid username_template: ${problem}`)
}

/** Checks a template's syntax without generating (used when a config or role is written). */
export function checkUsernameTemplate(template: string): void {
  renderUsername(template, { DisplayName: 'display', RoleName: 'role' }, 0)
}

/** Render the template: text outside {{ }} is kept, each action's value is inserted. */
export function renderUsername(template: string, data: TemplateData, now: number): string {
  let out: string
  try {
    out = renderTemplate(template, { DisplayName: data.DisplayName, RoleName: data.RoleName }, now)
  } catch (error) {
    if (error instanceof TemplateError) fail(error.message)
    throw error
  }
  if (out === '') fail('the template renders an empty username')
  return out
}
