// Filling {{username}}/{{password}} into a connection URL: percent-encoded inside a URL unless the config disables escaping.
export function renderConnectionUrl(
  template: string,
  username: string,
  password: string,
  percentEncode = true,
): string {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(template.trim())
  const enc = (value: string) => (isUrl && percentEncode ? encodeURIComponent(value) : value)
  return template
    .replace(/\{\{\s*username\s*\}\}/g, () => enc(username))
    .replace(/\{\{\s*password\s*\}\}/g, () => enc(password))
}
