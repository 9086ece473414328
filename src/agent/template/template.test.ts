// The template subset against Go text/template's documented behaviour: trim markers, control flow, pipes, missing keys.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  executeTemplate,
  parseTemplate,
  TemplateExecError,
  type TemplateHost,
  TemplateSyntaxError,
} from './index.ts'

const SECRETS: Record<string, unknown> = {
  'secret/data/app': {
    Data: { data: { password: 'p@ss', user: 'app', port: 5432 }, metadata: { version: 3 } },
    LeaseID: '',
    LeaseDuration: 0,
    Renewable: false,
  },
}

function host(reads: string[] = []): TemplateHost {
  return {
    async secret(path) {
      reads.push(path)
      if (!(path in SECRETS)) return null
      return SECRETS[path]
    },
    env: (name) => ({ HOME_DIR: '/home/app' })[name] ?? '',
  }
}

const render = (src: string, data: unknown = {}, errorOnMissingKey = false, reads?: string[]) =>
  executeTemplate(parseTemplate(src), data, { errorOnMissingKey, host: host(reads) })

describe('template text and actions', () => {
  it('prints fields, nested fields and literals', async () => {
    assert.equal(
      await render('a={{ .a }} b={{.b.c}} n={{ 42 }} s={{ "x\\ty" }} r={{ `raw\\n` }}', {
        a: 1,
        b: { c: 'd' },
      }),
      'a=1 b=d n=42 s=x\ty r=raw\\n',
    )
  })

  it('trim markers remove the whitespace next to them, and only with a space after the dash', async () => {
    assert.equal(await render('a  \n  {{- .x -}}  \n  b', { x: 'X' }), 'aXb')
    assert.equal(await render('a {{- .x }} b', { x: 'X' }), 'aX b')
    assert.equal(await render('{{ -3 }}'), '-3')
    assert.equal(await render('x {{- /* a comment */ -}} y'), 'xy')
    assert.equal(await render('x {{/* c */}} y'), 'x  y')
  })

  it('prints maps and lists as Go does', async () => {
    assert.equal(
      await render('{{ .m }} {{ .l }} {{ .n }}', { m: { b: 2, a: 'x' }, l: [1, 'two'], n: null }),
      'map[a:x b:2] [1 two] <nil>',
    )
  })
})

describe('missing keys', () => {
  it('print "<no value>" by default, also when chained', async () => {
    assert.equal(await render('[{{ .nope }}] [{{ .nope.deeper }}]', {}), '[<no value>] [<no value>]')
  })
  it('fail the render with error_on_missing_key, naming the key', async () => {
    await assert.rejects(
      render('{{ .nope }}', {}, true),
      (error: unknown) =>
        error instanceof TemplateExecError &&
        /map has no entry for key "nope"/.test((error as Error).message),
    )
    await assert.rejects(
      render('{{ with secret "secret/data/app" }}{{ .Data.data.missing }}{{ end }}', {}, true),
      /map has no entry for key "missing"/,
    )
    assert.equal(await render('{{ .here }}', { here: 'yes' }, true), 'yes')
  })
  it('a field of a present null is an error, as for a nil interface in Go', async () => {
    await assert.rejects(render('{{ .n.x }}', { n: null }), /nil pointer evaluating interface \{\}\.x/)
  })
})

describe('control flow', () => {
  it('if / else if / else with Go truth', async () => {
    const src = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}'
    assert.equal(await render(src, { a: 1 }), 'A')
    assert.equal(await render(src, { a: 0, b: 'x' }), 'B')
    assert.equal(await render(src, { a: '', b: [] }), 'C')
    assert.equal(await render(src, { a: {}, b: false }), 'C')
  })

  it('with sets dot and has an else; secret reads the path', async () => {
    const reads: string[] = []
    const out = await render(
      '{{ with secret "secret/data/app" }}{{ .Data.data.user }}:{{ .Data.data.password }}{{ end }}|{{ with secret "secret/data/none" }}x{{ else }}none{{ end }}',
      {},
      false,
      reads,
    )
    assert.equal(out, 'app:p@ss|none')
    assert.deepEqual(reads, ['secret/data/app', 'secret/data/none'])
  })

  it('range over lists and maps (sorted keys), with variables, else, break and continue', async () => {
    assert.equal(await render('{{ range .l }}[{{ . }}]{{ end }}', { l: ['a', 'b'] }), '[a][b]')
    assert.equal(
      await render('{{ range $i, $v := .l }}{{ $i }}={{ $v }} {{ end }}', { l: ['a', 'b'] }),
      '0=a 1=b ',
    )
    assert.equal(
      await render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { z: 1, a: 2 } }),
      'a=2;z=1;',
    )
    assert.equal(await render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }), 'empty')
    assert.equal(
      await render(
        '{{ range .l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}',
        { l: [1, 2, 3, 4, 5] },
      ),
      '13',
    )
    assert.equal(await render('{{ range .l }}{{ $.title }}{{ . }}{{ end }}', { title: 'T', l: [1] }), 'T1')
  })

  it('the common Vault Agent env-file idiom', async () => {
    const src =
      '{{- with secret "secret/data/app" -}}\n{{- range $k, $v := .Data.data }}\nexport {{ $k | toUpper }}="{{ $v }}"\n{{- end }}\n{{ end -}}\n'
    assert.equal(await render(src), '\nexport PASSWORD="p@ss"\nexport PORT="5432"\nexport USER="app"\n')
  })
})

describe('pipes and functions', () => {
  it('the piped value is the last argument', async () => {
    assert.equal(await render('{{ .x | printf "%s-%s" "a" }}', { x: 'b' }), 'a-b')
    assert.equal(await render('{{ "hi" | base64Encode }} {{ "aGk=" | base64Decode }}'), 'aGk= hi')
    assert.equal(await render('{{ (secret "secret/data/app").Data.metadata.version }}'), '3')
  })
  it('printf verbs, toJSON as encoding/json, env, index, len, comparisons', async () => {
    assert.equal(
      await render('{{ printf "%q %d %5s|%-3s|%.2f %v %%" "x" 7 "ab" "c" 1.5 .m }}', { m: { a: 1 } }),
      '"x" 7    ab|c  |1.50 map[a:1] %',
    )
    assert.equal(
      await render('{{ toJSON .m }}', { m: { b: '<&>', a: [1, null] } }),
      '{"a":[1,null],"b":"\\u003c\\u0026\\u003e"}',
    )
    assert.equal(await render('{{ toJSONPretty .m }}', { m: { a: 1 } }), '{\n  "a": 1\n}')
    assert.equal(await render('{{ env "HOME_DIR" }}|{{ env "UNSET" }}|'), '/home/app||')
    assert.equal(
      await render('{{ index .m "key-with-dash" }} {{ index .l 1 }} {{ len .l }}', {
        m: { 'key-with-dash': 'v' },
        l: [1, 2],
      }),
      'v 2 2',
    )
    assert.equal(
      await render('{{ if and (gt .n 1) (ne .s "x") (not .f) }}yes{{ end }}', { n: 2, s: 'y', f: false }),
      'yes',
    )
  })
  it('and/or short-circuit: later arguments are not evaluated', async () => {
    assert.equal(await render('{{ if and .n .n.x }}yes{{ else }}no{{ end }}', { n: null }), 'no')
    assert.equal(await render('{{ or .a .n.x }}', { a: 'first', n: null }), 'first')
    assert.equal(await render('{{ and 1 "last" }}|{{ or 0 "" }}|'), 'last||')
    await assert.rejects(render('{{ and .a .n.x }}', { a: 1, n: null }), /nil pointer/)
  })
  it('else with chains like else if', async () => {
    assert.equal(
      await render('{{ with .a }}A{{ else with .b }}{{ . }}{{ else }}none{{ end }}', { b: 'B' }),
      'B',
    )
  })
  it('variables declared and assigned', async () => {
    assert.equal(await render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}'), 'b')
  })
})

describe('errors', () => {
  it('syntax errors name the line', () => {
    for (const [src, why] of [
      ['{{ if .a }}x', /line 1: \{\{if\}\} has no matching \{\{end\}\}/],
      ['a\n{{ end }}', /line 2: unexpected \{\{end\}\}/],
      ['{{ .a ', /unclosed action/],
      ['{{ "x }}', /unterminated string/],
      ['{{ define "x" }}{{ end }}', /not supported/],
      ['{{ break }}', /outside \{\{range\}\}/],
      ['{{ (.a }}', /unclosed left paren/],
    ] as const) {
      assert.throws(
        () => parseTemplate(src),
        (error: unknown) => error instanceof TemplateSyntaxError && why.test((error as Error).message),
        src,
      )
    }
  })
  it('unknown functions and bad calls fail at run time', async () => {
    await assert.rejects(render('{{ nosuch 1 }}'), /function "nosuch" not defined/)
    await assert.rejects(render('{{ .a 1 }}', { a: 1 }), /can't give argument to non-function/)
    await assert.rejects(render('{{ lt 1 "a" }}'), /incompatible types/)
    await assert.rejects(render('{{ .s.x }}', { s: 'str' }), /can't evaluate field x in type string/)
  })
})
