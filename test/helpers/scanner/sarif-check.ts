// A focused structural check of SARIF 2.1.0's required properties (the full JSON schema is not available offline).

type Json = Record<string, unknown>

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Problems found in `doc` against the properties SARIF 2.1.0 marks required and GitHub code scanning reads. */
export function sarifProblems(doc: unknown): string[] {
  const p: string[] = []
  if (!isObj(doc)) return ['log is not an object']
  if (doc['version'] !== '2.1.0') p.push('version must be "2.1.0"')
  if (typeof doc['$schema'] !== 'string') p.push('$schema should name the 2.1.0 schema')
  if (!Array.isArray(doc['runs'])) return [...p, 'runs must be an array']
  for (const [i, run] of (doc['runs'] as unknown[]).entries()) {
    const at = `runs[${i}]`
    if (!isObj(run)) {
      p.push(`${at} is not an object`)
      continue
    }
    const driver = isObj(run['tool']) ? run['tool']['driver'] : undefined
    if (!isObj(driver)) {
      p.push(`${at}.tool.driver is required`)
      continue
    }
    if (typeof driver['name'] !== 'string' || driver['name'] === '')
      p.push(`${at}.tool.driver.name is required`)
    const rules = driver['rules'] ?? []
    if (!Array.isArray(rules)) p.push(`${at}.tool.driver.rules must be an array`)
    const ids = new Set<string>()
    for (const [j, rule] of (Array.isArray(rules) ? rules : []).entries()) {
      if (!isObj(rule) || typeof rule['id'] !== 'string')
        p.push(`${at}.tool.driver.rules[${j}].id is required`)
      else {
        if (ids.has(rule['id'])) p.push(`duplicate rule id ${rule['id']}`)
        ids.add(rule['id'])
        const sd = rule['shortDescription']
        if (sd !== undefined && (!isObj(sd) || typeof sd['text'] !== 'string'))
          p.push(`rule ${rule['id']}: shortDescription.text is required`)
      }
    }
    if (run['results'] !== undefined && !Array.isArray(run['results']))
      p.push(`${at}.results must be an array`)
    for (const [j, result] of ((run['results'] as unknown[]) ?? []).entries()) {
      const rat = `${at}.results[${j}]`
      if (!isObj(result)) {
        p.push(`${rat} is not an object`)
        continue
      }
      const message = result['message']
      if (!isObj(message) || (typeof message['text'] !== 'string' && typeof message['id'] !== 'string'))
        p.push(`${rat}.message.text or .id is required`)
      if (typeof result['ruleId'] === 'string' && ids.size > 0 && !ids.has(result['ruleId']))
        p.push(`${rat}.ruleId names no rule`)
      const idx = result['ruleIndex']
      if (
        idx !== undefined &&
        (!Number.isInteger(idx) || (rules as Json[])[idx as number]?.['id'] !== result['ruleId'])
      )
        p.push(`${rat}.ruleIndex does not point at its rule`)
      if (
        result['level'] !== undefined &&
        !['none', 'note', 'warning', 'error'].includes(result['level'] as string)
      )
        p.push(`${rat}.level is not a SARIF level`)
      for (const [k, loc] of ((result['locations'] as unknown[]) ?? []).entries()) {
        const phys = isObj(loc) ? loc['physicalLocation'] : undefined
        if (!isObj(phys)) continue
        const art = phys['artifactLocation']
        if (!isObj(art) || typeof art['uri'] !== 'string')
          p.push(`${rat}.locations[${k}] needs artifactLocation.uri`)
        const region = phys['region']
        if (isObj(region)) {
          for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn'])
            if (region[key] !== undefined && (!Number.isInteger(region[key]) || (region[key] as number) < 1))
              p.push(`${rat}.region.${key} must be an integer >= 1`)
        }
      }
    }
  }
  return p
}
