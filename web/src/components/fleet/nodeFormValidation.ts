// The node form's checks: the server's rules (fleet/NodeService.cpp) in the operator's words,
// every problem at once, so that nothing is sent that the server would refuse.
export interface NodeFormValues {
  name: string
  ip: string
  npuPort: string | number
  labels: string
}

export function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {}
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=')
    if (eq <= 0) return null
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return out
}

const NAME_RULE = /^[A-Za-z0-9._-]([A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$/
// eslint-disable-next-line no-control-regex
const BAD_LABEL_TEXT = /[\u0000-\u001f\u007f<>]/

export function validateNodeForm(f: NodeFormValues): Record<string, string> {
  const out: Record<string, string> = {}
  const name = f.name.trim()
  if (!name) out.name = 'Name is required.'
  else if (!NAME_RULE.test(name)) out.name = 'Name must be 1-64 letters, digits, spaces, dots, underscores or dashes.'
  if (!f.ip.trim()) out.ip = 'IP address or host is required.'
  const port = String(f.npuPort).trim()
  if (!port) out.npuPort = 'Worker port is required.'
  else if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    out.npuPort = 'Worker port must be a whole number from 1 to 65535.'
  }
  const labels = parseLabels(f.labels)
  if (!labels) out.labels = 'Write labels as key=value, separated by commas.'
  else if (Object.entries(labels).some(([k, v]) => k.length > 63 || v.length > 255)) {
    out.labels = 'Label keys may be at most 63 characters and values 255.'
  } else if (Object.entries(labels).some(([k, v]) => BAD_LABEL_TEXT.test(k) || BAD_LABEL_TEXT.test(v))) {
    out.labels = "Labels may not hold control characters or '<', '>'."
  }
  return out
}

// What a field is called on the form, for messages the server words with its field names.
const FIELD_WORDS: Record<string, string> = {
  name: 'Name',
  ip: 'IP address or host',
  npuPort: 'Worker port',
  roles: 'Roles',
  labels: 'Labels',
}
export function inWords(message: string): string {
  return message.replace(/'(name|ip|npuPort|roles|labels)'/g, (_, f: string) => FIELD_WORDS[f] ?? f)
}
