// The HTML compliance report: every server string escaped, charts drawn as inline SVG, tables present, nothing external.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { esc } from './escape.ts'
import { renderComplianceHtml } from './html.ts'
import { barChart } from './svg-chart.ts'

const XSS = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`

function fixture(): Record<string, unknown> {
  return {
    generated_at: '2026-04-30T12:00:00.000000000Z',
    window: {
      since: '2026-04-28T12:00:00.000000000Z',
      until: '2026-04-30T12:00:00.000000000Z',
      seconds: 172800,
    },
    server_version: '1.2.3',
    max_age_seconds: 90 * 86400,
    summary: {
      pass: 1,
      fail: 1,
      unavailable: 0,
      checks: [
        { section: 'rotation', name: 'Every secret is within its policy', status: 'fail', detail: '1 of 2' },
        { section: 'access_activity', name: 'An audit log is enabled', status: 'pass', detail: XSS },
      ],
    },
    controls: { rotation: [{ framework: 'PCI DSS', control: '3.7.4', title: 'Key changes <cryptoperiod>' }] },
    sections: {
      inventory: {
        available: true,
        total: 1,
        by_kind: [{ label: 'kv', count: 1 }],
        items: [
          {
            kind: 'kv',
            path: `secret/data/${XSS}`,
            name: XSS,
            mount: 'secret/',
            created: '2026-01-01T00:00:00Z',
            updated: null,
            versions: 1,
            metadata_keys: [XSS],
            details: { note: XSS },
          },
        ],
      },
      rotation: {
        available: true,
        compliant: 0,
        non_compliant: 1,
        age_histogram: [
          { label: '0–7d', count: 0 },
          { label: '>365d', count: 1 },
        ],
        secrets: [
          {
            kind: 'kv',
            path: `secret/data/${XSS}`,
            basis: 'max_age',
            policy: 'no rotation policy; max age 90d',
            period_seconds: 7776000,
            enabled: false,
            age_seconds: 400 * 86400,
            last_rotated: null,
            next_rotation: null,
            failures: 0,
            last_failure: null,
            compliant: false,
            reason: 'older than the maximum age',
          },
        ],
      },
      dynamic_credentials: {
        available: true,
        window_source: 'audit_log',
        roles: [{ mount: 'db/', role: 'db/creds/ro', active: 1, issued_in_window: 3, revoked_in_window: 2 }],
        totals: { active: 1, issued_in_window: 3, revoked_in_window: 2 },
      },
      access_reviews: { available: false, reason: 'access reviews are not kept by this server' },
      anomalies: {
        available: true,
        total: 1,
        acknowledged: 0,
        unacknowledged: 1,
        by_type: [{ label: XSS, count: 1 }],
        items: [
          {
            id: 'a1',
            type: XSS,
            score: 0.5,
            time: '2026-04-29T03:00:00Z',
            display_name: XSS,
            path: 'secret/data/x',
            acknowledged: false,
            acknowledged_by: null,
            acknowledged_at: null,
          },
        ],
      },
      leak_incidents: {
        available: true,
        total: 1,
        open: 0,
        incidents: [
          {
            id: 'i1',
            time: '2026-04-29T00:00:00Z',
            requested_by: 'ci',
            matches: [
              {
                path: 'secret/data/x',
                field: 'password',
                version: 1,
                response: 'rotated',
                at: '2026-04-29T01:00:00Z',
              },
            ],
          },
        ],
      },
      root_token_use: {
        available: true,
        active_root_tokens: [{ display_name: 'root', created: '2026-04-01T00:00:00Z', expires: null }],
        audit: {
          device: 'file/',
          generate_root_completions: [],
          root_tokens_created: [],
          root_token_requests: 2,
          root_token_requests_by_day: [
            { label: '2026-04-28', count: 0 },
            { label: '2026-04-29', count: 2 },
            { label: '2026-04-30', count: 0 },
          ],
          recent_root_requests: [
            {
              time: '2026-04-29T10:00:00Z',
              operation: 'read',
              path: 'sys/mounts',
              display_name: 'root',
              remote_address: '127.0.0.1',
            },
          ],
        },
      },
      access_activity: {
        available: true,
        device: 'file/',
        requests: 5,
        denied: 1,
        requests_by_day: [
          { label: '2026-04-28', count: 1 },
          { label: '2026-04-29', count: 4 },
          { label: '2026-04-30', count: 0 },
        ],
        denied_by_day: [
          { label: '2026-04-28', count: 0 },
          { label: '2026-04-29', count: 1 },
          { label: '2026-04-30', count: 0 },
        ],
      },
    },
  }
}

describe('compliance HTML', () => {
  it('escapes every server string: a hostile secret name stays text', () => {
    const html = renderComplianceHtml(fixture())
    assert.ok(!html.includes('<script'), 'no script element at all')
    assert.ok(!/<img/i.test(html), 'no element smuggled in by a name')
    // With quoted attribute values removed (they hold no raw quote), no tag carries an event handler.
    assert.ok(!/<[^>]*\sonerror/i.test(html.replace(/"[^"]*"/g, '""')), 'no live event handler attribute')
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
    assert.ok(html.includes('Key changes &lt;cryptoperiod&gt;'))
    assert.equal(esc(`a&b<c>"d"'e'`), 'a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;')
    assert.equal(esc(null), '')
  })

  it('is self-contained: no external reference, a policy that loads nothing, only inline CSS', () => {
    const html = renderComplianceHtml(fixture())
    assert.ok(!/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(html), 'nothing loaded from elsewhere')
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/)
    assert.match(html, /<style>/)
  })

  it('draws a chart per series and a table per listing', () => {
    const html = renderComplianceHtml(fixture())
    const charts = html.match(/<svg class="chart"/g) ?? []
    // inventory, rotation ages, leases by role, requests and denials per day, anomalies, root requests per day
    assert.equal(charts.length, 7)
    assert.equal((html.match(/<rect class="bar"/g) ?? []).length, 1 + 2 + 1 + 3 + 3 + 1 + 3)
    for (const id of [
      'summary',
      'inventory',
      'rotation',
      'dynamic_credentials',
      'access_activity',
      'anomalies',
      'leak_incidents',
      'root_token_use',
    ])
      assert.match(html, new RegExp(`<section id="${id}">`))
    assert.match(html, /Not available: access reviews are not kept by this server/)
    assert.match(html, /<td class="bad">non-compliant<\/td>/)
    assert.match(html, /rotated 2026-04-29 01:00 UTC/)
  })

  it('renders a report with sections missing without throwing', () => {
    const html = renderComplianceHtml({})
    assert.match(html, /<section id="rotation">/)
    assert.match(html, /Nothing to rotate\./)
  })
})

describe('SVG bar chart', () => {
  it('draws one rect per bar, zero-height for empty bars, with escaped labels and tooltips', () => {
    const svg = barChart(
      [
        { label: '<a>', value: 4 },
        { label: 'b', value: 0 },
        { label: 'c', value: Number.NaN },
      ],
      { title: 'T & "q"', unit: 'x' },
    )
    const rects = [...svg.matchAll(/<rect class="bar"[^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]))
    assert.equal(rects.length, 3)
    assert.ok(rects[0]! > 0)
    assert.deepEqual(rects.slice(1), [0, 0])
    assert.match(svg, /<title>&lt;a&gt;: 4 x<\/title>/)
    assert.match(svg, /aria-label="T &amp; &quot;q&quot;"/)
  })

  it('keeps about a dozen axis labels on a long series, and a round top value', () => {
    const bars = Array.from({ length: 366 }, (_, i) => ({ label: `d${i}`, value: i % 7 }))
    const svg = barChart(bars, { title: 'year' })
    assert.equal((svg.match(/<rect class="bar"/g) ?? []).length, 366)
    const labels = (svg.match(/>d\d+<\/text>/g) ?? []).length
    assert.ok(labels >= 10 && labels <= 13, `${labels} labels`)
    assert.match(barChart([{ label: 'a', value: 7 }], { title: 't' }), />10<\/text>/)
    assert.match(barChart([{ label: 'a', value: 1 }], { title: 't' }), />4<\/text>/)
    assert.match(barChart([], { title: 'empty' }), /<svg/)
  })
})
