// Opens an HTML file in headless Chromium (Debian's /usr/bin/chromium) and reports what the browser built from it.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Requirement } from './requirements.ts'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM: Requirement = {
  name: 'Chromium',
  missing: async () =>
    existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`,
}

/** What the page holds once Chromium parsed it: counted in the live DOM, not in the HTML text. */
export interface RenderedPage {
  /** `<svg class="chart">` elements, and for each its `rect.bar` count. */
  charts: { title: string; bars: number }[]
  tables: number
  /** Script elements and elements with an inline event handler attribute: both must be 0. */
  scripts: number
  handlers: number
  sections: string[]
  /** How the page was driven: playwright-core when it is installed, else Chromium's own --dump-dom. */
  via: 'playwright-core' | 'dump-dom'
}

const COLLECT = `(() => {
  const all = [...document.querySelectorAll('*')]
  return {
    charts: [...document.querySelectorAll('svg.chart')].map((svg) => ({
      title: svg.getAttribute('aria-label') ?? '',
      bars: svg.querySelectorAll('rect.bar').length,
    })),
    tables: document.querySelectorAll('table').length,
    scripts: document.querySelectorAll('script').length,
    handlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    sections: [...document.querySelectorAll('section')].map((s) => s.id),
  }
})()`

async function withPlaywright(file: string): Promise<RenderedPage | undefined> {
  let playwright: { chromium: { launch(o: object): Promise<PlaywrightBrowser> } }
  try {
    // A variable specifier: the package is optional, and the type checker must not require it.
    const name = 'playwright-core'
    playwright = await import(name)
  } catch {
    return undefined
  }
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    await page.goto(pathToFileURL(file).href)
    const found = (await page.evaluate(COLLECT)) as Omit<RenderedPage, 'via'>
    return { ...found, via: 'playwright-core' }
  } finally {
    await browser.close()
  }
}

interface PlaywrightBrowser {
  newPage(): Promise<{ goto(url: string): Promise<unknown>; evaluate(script: string): Promise<unknown> }>
  close(): Promise<void>
}

/** The DOM as Chromium serialises it after parsing; counted with patterns over that normalised markup. */
function dumpDom(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM_PATH,
      ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', pathToFileURL(file).href],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    )
  })
}

async function withDumpDom(file: string): Promise<RenderedPage> {
  const dom = await dumpDom(file)
  const charts = [...dom.matchAll(/<svg class="chart"[^>]*aria-label="([^"]*)"[^>]*>([\s\S]*?)<\/svg>/g)].map(
    (m) => ({
      title: m[1]!,
      bars: (m[2]!.match(/<rect class="bar"/g) ?? []).length,
    }),
  )
  const tags = dom.replace(/"[^"]*"/g, '""')
  return {
    charts,
    tables: (dom.match(/<table>/g) ?? []).length,
    scripts: (dom.match(/<script[\s>]/gi) ?? []).length,
    handlers: (tags.match(/<[a-z][^>]*\son[a-z]+=/gi) ?? []).length,
    sections: [...dom.matchAll(/<section id="([^"]*)">/g)].map((m) => m[1]!),
    via: 'dump-dom',
  }
}

export async function renderInChromium(file: string): Promise<RenderedPage> {
  return (await withPlaywright(file)) ?? withDumpDom(file)
}
