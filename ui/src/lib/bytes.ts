/** Byte helpers. */

/** Base64 of the UTF-8 bytes of `text` (header values must be ASCII). */
export function base64Utf8(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** A byte count for people: `812 B`, `4.2 KB`, `1.5 MB`, `2.0 GB` (1 KB = 1024 B). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** A duration in milliseconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/** A hash shortened for a list: the first and last `n` hex digits. */
export function shortHash(sha256: string, n = 8): string {
  return sha256.length <= 2 * n + 1 ? sha256 : `${sha256.slice(0, n)}…${sha256.slice(-n)}`
}
