// Checks that a review's pod has the types the injector reads (as Vault's injector decoding it into a corev1.Pod would).

// biome-ignore lint/suspicious/noExplicitAny: a Kubernetes pod as received, checked field by field
type Json = Record<string, any>

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** null or absent is an empty list, as in Go; anything else must be an array of objects. */
function listProblem(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) return `${where} is not a list`
  const index = value.findIndex((item) => !isObject(item))
  return index === -1 ? undefined : `${where}[${index}] is not an object`
}

function namedProblem(item: Json, where: string): string | undefined {
  return item['name'] === undefined || typeof item['name'] === 'string'
    ? undefined
    : `${where}.name is not a string`
}

/**
 * What makes `pod` unreadable as a pod, or undefined. Every field the injector reads is checked here, so a hostile
 * review (a number where a string goes, an object where a list goes) is refused with a reason instead of failing
 * half-way through building the patch.
 */
export function podShapeProblem(pod: Json): string | undefined {
  const metadata = pod['metadata']
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) return 'metadata is not an object'
    const annotations = metadata['annotations']
    if (annotations !== undefined && annotations !== null) {
      if (!isObject(annotations)) return 'metadata.annotations is not a map'
      for (const [key, value] of Object.entries(annotations))
        if (typeof value !== 'string')
          return `annotation ${JSON.stringify(key.slice(0, 253))} is not a string`
    }
  }
  const spec = pod['spec']
  if (spec === undefined || spec === null) return undefined
  if (!isObject(spec)) return 'spec is not an object'
  for (const field of ['volumes', 'containers', 'initContainers']) {
    const problem = listProblem(spec[field], `spec.${field}`)
    if (problem) return problem
    for (const [index, item] of ((spec[field] ?? []) as Json[]).entries()) {
      const where = `spec.${field}[${index}]`
      const named = namedProblem(item, where)
      if (named) return named
      if (field === 'volumes') continue
      const mounts = listProblem(item['volumeMounts'], `${where}.volumeMounts`)
      if (mounts) return mounts
      for (const [m, mount] of ((item['volumeMounts'] ?? []) as Json[]).entries()) {
        const mountNamed = namedProblem(mount, `${where}.volumeMounts[${m}]`)
        if (mountNamed) return mountNamed
        if (mount['mountPath'] !== undefined && typeof mount['mountPath'] !== 'string')
          return `${where}.volumeMounts[${m}].mountPath is not a string`
      }
    }
  }
  return undefined
}
