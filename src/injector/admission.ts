// Answers an AdmissionReview (admission.k8s.io/v1) for a pod: a JSON patch when it asks for injection, as Vault's injector does.
import { AnnotationError, readInjectionSpec, shouldInject } from './annotations.ts'
import { hasInjectedParts, type InjectorSettings, podPatch } from './pod-patch.ts'
import { podShapeProblem } from './pod-shape.ts'

export interface AdmissionReply {
  status: number
  body: unknown
}

/** Namespaces Vault's injector never injects into. */
const DENIED_NAMESPACES = new Set(['kube-system', 'kube-public'])

// biome-ignore lint/suspicious/noExplicitAny: AdmissionReview JSON, checked field by field
type Json = Record<string, any>

function badRequest(message: string): AdmissionReply {
  return { status: 400, body: { error: message } }
}

function review(apiVersion: string, response: Json): AdmissionReply {
  return { status: 200, body: { apiVersion, kind: 'AdmissionReview', response } }
}

/** The reply to one POST /mutate body; `contentType` is the request's Content-Type header. */
export function handleAdmission(
  contentType: string | undefined,
  bodyText: string,
  settings: InjectorSettings,
): AdmissionReply {
  // A malformed review is the API server's (or a caller's) mistake, not a pod's: 400, as Vault's injector answers.
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? ''))
    return badRequest('invalid Content-Type: expected application/json')
  if (bodyText.trim() === '') return badRequest('empty body: expected an AdmissionReview')
  let parsed: unknown
  try {
    parsed = JSON.parse(bodyText)
  } catch {
    return badRequest('the body is not JSON')
  }
  const body = parsed as Json
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    body['kind'] !== 'AdmissionReview'
  )
    return badRequest('expected an AdmissionReview')
  if (body['apiVersion'] !== 'admission.k8s.io/v1')
    return badRequest(
      `unsupported AdmissionReview version ${JSON.stringify(body['apiVersion'])}: expected admission.k8s.io/v1`,
    )
  const request = body['request'] as Json | undefined
  if (
    request === null ||
    typeof request !== 'object' ||
    typeof request['uid'] !== 'string' ||
    request['uid'] === ''
  )
    return badRequest('the AdmissionReview has no request.uid')
  const uid = request['uid'] as string
  if (request['namespace'] !== undefined && typeof request['namespace'] !== 'string')
    return badRequest('request.namespace is not a string')
  const apiVersion = 'admission.k8s.io/v1'

  // From here on the review is well-formed: every answer is an AdmissionReview; a pod that cannot be injected as
  // asked is refused with the reason (allowed: false), anything not asking for injection is allowed unchanged.
  const pod = request['object'] as Json | undefined
  const kind = request['kind'] as Json | undefined
  if (kind?.['kind'] !== undefined && kind['kind'] !== 'Pod')
    return review(apiVersion, { uid, allowed: true })
  if (
    pod === null ||
    typeof pod !== 'object' ||
    Array.isArray(pod) ||
    (pod['spec'] !== undefined && typeof pod['spec'] !== 'object')
  )
    return review(apiVersion, {
      uid,
      allowed: false,
      status: { code: 400, message: 'request.object is not a pod' },
    })
  const shapeProblem = podShapeProblem(pod)
  if (shapeProblem)
    return review(apiVersion, {
      uid,
      allowed: false,
      status: { code: 400, message: `request.object is not a pod: ${shapeProblem}` },
    })
  const annotations = (pod['metadata']?.['annotations'] ?? {}) as Record<string, string>
  const namespace = (request['namespace'] ?? pod['metadata']?.['namespace']) as string | undefined
  try {
    if (typeof annotations !== 'object' || Array.isArray(annotations))
      throw new AnnotationError('metadata.annotations is not a map')
    if (!shouldInject(annotations) || hasInjectedParts(pod)) return review(apiVersion, { uid, allowed: true })
    if (namespace !== undefined && DENIED_NAMESPACES.has(namespace))
      return review(apiVersion, { uid, allowed: true })
    const spec = readInjectionSpec(annotations)
    const patch = podPatch(pod, spec, settings)
    const response: Json = {
      uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
    }
    if (spec.warnings.length > 0) response['warnings'] = spec.warnings
    return review(apiVersion, response)
  } catch (error) {
    if (!(error instanceof AnnotationError)) throw error
    return review(apiVersion, {
      uid,
      allowed: false,
      status: { code: 400, message: `error injecting the coffer agent: ${error.message}` },
    })
  }
}
