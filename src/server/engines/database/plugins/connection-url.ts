// Filling {{username}}/{{password}} into a connection URL: percent-encoded inside a URL, as written elsewhere.
export function renderConnectionUrl(template: string, username: string, password: string): string {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(template.trim())
  const enc = (value: string) => (isUrl ? encodeURIComponent(value) : value)
  return template
    .replace(/\{\{\s*username\s*\}\}/g, () => enc(username))
    .replace(/\{\{\s*password\s*\}\}/g, () => enc(password))
}
