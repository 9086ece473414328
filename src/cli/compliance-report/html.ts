// Renders the compliance report's JSON as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.
import { esc } from './escape.ts'
import { arr, bars, type Json, num, obj, text } from './json-read.ts'
import { barChart } from './svg-chart.ts'

interface Column {
  title: string
  value: (row: Json) => string
  /** A CSS class for the cell, chosen from the row (status colours). */
  cls?: (row: Json) => string
}

const col = (title: string, value: (row: Json) => string, cls?: (row: Json) => string): Column =>
  cls ? { title, value, cls } : { title, value }

/** A table whose every cell is escaped; an empty list says so instead of showing a bare header. */
export function table(rows: readonly Json[], columns: readonly Column[], empty = 'None.'): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`
  const head = columns.map((c) => `<th scope="col">${esc(c.title)}</th>`).join('')
  const body = rows
    .map(
      (row) =>
        `<tr>${columns.map((c) => `<td${c.cls ? ` class="${esc(c.cls(row))}"` : ''}>${esc(c.value(row))}</td>`).join('')}</tr>`,
    )
    .join('')
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`
}

const days = (seconds: unknown) =>
  typeof seconds === 'number' ? `${Math.floor(seconds / 86_400)}d` : seconds === null ? 'unknown' : ''
/** RFC 3339 to minutes, for tables that would otherwise wrap: "2026-04-01 10:00 UTC". */
const when = (value: unknown) => {
  const t = text(value)
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(t)
  return m ? `${m[1]} ${m[2]} UTC` : t
}
const shortDay = (label: string) => (/^\d{4}-\d{2}-\d{2}$/.test(label) ? label.slice(5) : label)
const statusClass = (ok: boolean) => (ok ? 'ok' : 'bad')

function controls(report: Json, section: string): string {
  const refs = arr(obj(report['controls'])[section])
  if (refs.length === 0) return ''
  return `<ul class="controls">${refs
    .map(
      (r) =>
        `<li><span class="fw">${esc(text(r['framework']))} ${esc(text(r['control']))}</span> ${esc(text(r['title']))}</li>`,
    )
    .join('')}</ul>`
}

function section(report: Json, id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${controls(report, id)}${body}</section>`
}

function unavailable(data: Json): string | undefined {
  return data['available'] === false
    ? `<p class="unavailable">Not available: ${esc(text(data['reason']))}</p>`
    : undefined
}

function summary(report: Json): string {
  const s = obj(report['summary'])
  const tiles = [
    ['pass', num(s['pass'])],
    ['fail', num(s['fail'])],
    ['unavailable', num(s['unavailable'])],
  ]
    .map(([k, v]) => `<div class="tile ${esc(k)}"><span class="n">${esc(v)}</span> ${esc(k)}</div>`)
    .join('')
  return `<section id="summary"><h2>Summary</h2><div class="tiles">${tiles}</div>${table(arr(s['checks']), [
    col(
      'Status',
      (r) => text(r['status']),
      (r) => text(r['status']),
    ),
    col('Section', (r) => text(r['section'])),
    col('Check', (r) => text(r['name'])),
    col('Found', (r) => text(r['detail'])),
  ])}</section>`
}

function inventory(report: Json, data: Json): string {
  const items = arr(data['items'])
  return section(
    report,
    'inventory',
    `Secrets inventory (${num(data['total'])})`,
    `<p>Names, dates and metadata keys only: the report never carries a secret value.</p>${barChart(bars(data['by_kind']), { title: 'Secrets by kind', unit: 'secrets' })}${table(
      items,
      [
        col('Kind', (r) => text(r['kind'])),
        col('Path', (r) => text(r['path'])),
        col('Created', (r) => when(r['created'])),
        col('Updated', (r) => when(r['updated'])),
        col('Versions', (r) => text(r['versions'])),
        col('Metadata keys', (r) => text(r['metadata_keys'])),
        col('Details', (r) =>
          Object.entries(obj(r['details']))
            .map(([k, v]) => `${k}=${text(v)}`)
            .join('; '),
        ),
      ],
      'No secrets are stored.',
    )}`,
  )
}

function rotation(report: Json, data: Json): string {
  return section(
    report,
    'rotation',
    `Rotation compliance (${num(data['compliant'])} compliant, ${num(data['non_compliant'])} not)`,
    `${barChart(bars(data['age_histogram']), { title: 'Time since last rotation or change', color: '#a5673b', unit: 'secrets' })}${table(
      arr(data['secrets']),
      [
        col(
          'Status',
          (r) => (r['compliant'] === true ? 'compliant' : 'non-compliant'),
          (r) => statusClass(r['compliant'] === true),
        ),
        col('Path', (r) => text(r['path'])),
        col('Held to', (r) => text(r['policy'])),
        col('Age', (r) => days(r['age_seconds'])),
        col('Last rotated', (r) => when(r['last_rotated'])),
        col('Next rotation', (r) => when(r['next_rotation'])),
        col('Failures', (r) => text(r['failures'])),
        col('Why', (r) => text(r['reason'])),
      ],
      'Nothing to rotate.',
    )}`,
  )
}

function dynamic(report: Json, data: Json): string {
  const roles = arr(data['roles'])
  const totals = obj(data['totals'])
  const source =
    data['window_source'] === 'audit_log'
      ? 'Issued and ended counts come from the audit log.'
      : 'No audit log was readable: only live leases are counted.'
  return section(
    report,
    'dynamic_credentials',
    `Dynamic credentials (${num(totals['active'])} live leases)`,
    `<p>${esc(source)}</p>${
      roles.length > 0
        ? barChart(
            roles.map((r) => ({ label: text(r['role']), value: num(r['issued_in_window']) })),
            { title: 'Leases issued in the window, by role', color: '#4b8a5a', unit: 'leases' },
          )
        : ''
    }${table(
      roles,
      [
        col('Mount', (r) => text(r['mount'])),
        col('Role', (r) => text(r['role'])),
        col('Live', (r) => text(r['active'])),
        col('Issued in window', (r) => text(r['issued_in_window'])),
        col('Revoked or expired since', (r) =>
          r['revoked_in_window'] === null ? 'unknown' : text(r['revoked_in_window']),
        ),
      ],
      'No leases.',
    )}`,
  )
}

function activity(report: Json, data: Json): string {
  const body =
    unavailable(data) ??
    `<p>${esc(num(data['requests']))} requests, ${esc(num(data['denied']))} denied, from audit device ${esc(text(data['device']))}.</p>${barChart(
      bars(data['requests_by_day'], shortDay),
      { title: 'Requests per day', unit: 'requests' },
    )}${barChart(bars(data['denied_by_day'], shortDay), { title: 'Denied requests per day', color: '#b03a3a', unit: 'denied' })}`
  return section(report, 'access_activity', 'Access trend', body)
}

function reviews(report: Json, data: Json): string {
  const body =
    unavailable(data) ??
    `<p>${esc(num(data['open']))} open, ${esc(num(data['closed']))} closed (${esc(num(data['closed_in_window']))} in the window); last closed ${esc(data['last_closed_at'] ? when(data['last_closed_at']) : 'never')}.</p>${barChart(bars(data['decisions']), { title: 'Review decisions', color: '#6a4ba5', unit: 'decisions' })}${table(
      arr(data['reviews']),
      [
        col('Review', (r) => text(r['name'])),
        col('Status', (r) => text(r['status'])),
        col('Reviewer', (r) => text(r['reviewer'])),
        col('Started', (r) => when(r['started_at'])),
        col('Closed', (r) => when(r['closed_at'])),
        col('Decisions', (r) => text(r['decisions'])),
        col('Revoked', (r) => text(r['revoked'])),
      ],
      'No access reviews.',
    )}`
  return section(report, 'access_reviews', 'Access reviews', body)
}

function anomalies(report: Json, data: Json): string {
  const body =
    unavailable(data) ??
    `<p>${esc(num(data['total']))} in the window, ${esc(num(data['unacknowledged']))} not acknowledged.</p>${barChart(bars(data['by_type']), { title: 'Anomalies by type', color: '#b07a1f', unit: 'anomalies' })}${table(
      arr(data['items']),
      [
        col('Time', (r) => when(r['time'])),
        col('Type', (r) => text(r['type'])),
        col('Score', (r) => text(r['score'])),
        col('Who', (r) => text(r['display_name'])),
        col('Path', (r) => text(r['path'])),
        col(
          'Acknowledged',
          (r) =>
            r['acknowledged'] === true
              ? `by ${text(r['acknowledged_by'])} ${when(r['acknowledged_at'])}`
              : 'no',
          (r) => statusClass(r['acknowledged'] === true),
        ),
      ],
      'No anomalies in the window.',
    )}`
  return section(report, 'anomalies', 'Anomalies', body)
}

function leaks(report: Json, data: Json): string {
  const rows = arr(data['incidents']).flatMap((incident) =>
    arr(incident['matches']).map((m) => ({
      ...m,
      time: incident['time'],
      requested_by: incident['requested_by'],
    })),
  )
  return section(
    report,
    'leak_incidents',
    `Leak incidents (${num(data['total'])}, ${num(data['open'])} secret(s) not rotated since)`,
    table(
      rows,
      [
        col('Found', (r) => when(r['time'])),
        col('Checked by', (r) => text(r['requested_by'])),
        col('Secret', (r) => `${text(r['path'])}#${text(r['field'])}`),
        col('Version', (r) => text(r['version'])),
        col(
          'Response',
          (r) => (r['response'] === 'rotated' ? `rotated ${when(r['at'])}` : text(r['response'])),
          (r) => statusClass(r['response'] !== 'open'),
        ),
      ],
      'No leak incidents in the window.',
    ),
  )
}

function root(report: Json, data: Json): string {
  const audit = data['audit'] === null ? undefined : obj(data['audit'])
  const tokens = table(
    arr(data['active_root_tokens']),
    [
      col('Display name', (r) => text(r['display_name'])),
      col('Created', (r) => when(r['created'])),
      col('Expires', (r) => (r['expires'] === null ? 'never' : when(r['expires']))),
    ],
    'No live root token.',
  )
  const fromAudit = audit
    ? `${barChart(bars(audit['root_token_requests_by_day'], shortDay), { title: 'Requests made with a root token, per day', color: '#b03a3a', unit: 'requests' })}<h3>Root generation completed</h3>${table(
        arr(audit['generate_root_completions']),
        [col('Time', (r) => when(r['time'])), col('From', (r) => text(r['remote_address']))],
        'None in the window.',
      )}<h3>Tokens created with the root policy</h3>${table(
        arr(audit['root_tokens_created']),
        [
          col('Time', (r) => when(r['time'])),
          col('Created by', (r) => text(r['display_name'])),
          col('Path', (r) => text(r['path'])),
        ],
        'None in the window.',
      )}<h3>Latest requests with a root token (newest first)</h3>${table(
        arr(audit['recent_root_requests']).reverse(),
        [
          col('Time', (r) => when(r['time'])),
          col('Operation', (r) => text(r['operation'])),
          col('Path', (r) => text(r['path'])),
          col('Display name', (r) => text(r['display_name'])),
          col('From', (r) => text(r['remote_address'])),
        ],
        'None in the window.',
      )}`
    : `<p class="unavailable">Audit log not available: ${esc(text(data['audit_unavailable_reason']))}</p>`
  return section(
    report,
    'root_token_use',
    'Root-token and break-glass use',
    `<h3>Live root tokens</h3>${tokens}${fromAudit}`,
  )
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d232a;margin:0;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 8px}h3{font-size:15px;margin:16px 0 6px}
header p{margin:2px 0;color:#4a5561}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:16px 18px;margin:16px 0}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
th,td{border-bottom:1px solid #e6e9ed;padding:5px 7px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f0f2f5;font-weight:600;white-space:nowrap}
td.ok,td.pass{color:#1f6b35;font-weight:600;white-space:nowrap}td.bad,td.fail{color:#a12a2a;font-weight:600;white-space:nowrap}td.unavailable{color:#7a6a1f}
.tiles{display:flex;gap:12px;margin:8px 0}.tile{padding:10px 16px;border-radius:6px;background:#eef1f4}
.tile .n{font-size:22px;font-weight:700}.tile.pass{background:#e3f3e7}.tile.fail{background:#f8e3e3}.tile.unavailable{background:#f6f1dc}
ul.controls{list-style:none;padding:0;margin:0 0 10px;display:flex;flex-wrap:wrap;gap:6px}
ul.controls li{background:#eef1f8;border-radius:4px;padding:2px 8px;font-size:12px}.fw{font-weight:600}
.empty,.unavailable{color:#5b6570;font-style:italic}
svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}
svg .grid{stroke:#e3e6ea;stroke-width:1}svg .axis{font-size:10px;fill:#5b6570}svg .chart-title{font-size:13px;font-weight:600;fill:#1d232a}
@media print{body{background:#fff}section{break-inside:avoid;border-color:#ccc}}
`

/** The whole page. No script runs in it, and its policy forbids loading anything from anywhere. */
export function renderComplianceHtml(report: Json): string {
  const s = obj(report['sections'])
  const window = obj(report['window'])
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Coffer compliance report ${esc(when(report['generated_at']))}</title>`,
    `<style>${CSS}</style></head><body><main>`,
    `<header><h1>Coffer compliance report</h1><p>Generated ${esc(when(report['generated_at']))} by server version ${esc(text(report['server_version']))}.</p>`,
    `<p>Window: ${esc(when(window['since']))} to ${esc(when(window['until']))}. Secrets without a rotation policy are held to a maximum age of ${esc(days(report['max_age_seconds']))}.</p>`,
    '<p>Control references show which requirements each section gives evidence for; they are not an attestation.</p></header>',
    summary(report),
    inventory(report, obj(s['inventory'])),
    rotation(report, obj(s['rotation'])),
    dynamic(report, obj(s['dynamic_credentials'])),
    activity(report, obj(s['access_activity'])),
    reviews(report, obj(s['access_reviews'])),
    anomalies(report, obj(s['anomalies'])),
    leaks(report, obj(s['leak_incidents'])),
    root(report, obj(s['root_token_use'])),
    '</main></body></html>',
    '',
  ].join('\n')
}
