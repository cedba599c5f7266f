/** Times for the home screen: ages of syncs and lists, and which inspections are today's. */
import type { Translator } from './errors'

/** Whether the RFC 3339 `timestamp` falls on the same local calendar day as `now`. */
export function isSameDay(timestamp: string, now: Date): boolean {
  const date = new Date(timestamp)
  if (Number.isNaN(date.getTime())) return false
  return (
    date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate()
  )
}

/** Seconds from `from` to `now`, never negative (device clocks drift). */
export function ageSeconds(from: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000))
}

/** An age as the locale says it: `刚刚`, `5 分钟前`, `3 小时前`, `2 天前`. */
export function formatAge(i18n: Translator, seconds: number): string {
  if (seconds < 60) return i18n.t('age.now', {})
  if (seconds < 3600) return i18n.t('age.minutes', { n: Math.floor(seconds / 60) })
  if (seconds < 86_400) return i18n.t('age.hours', { n: Math.floor(seconds / 3600) })
  return i18n.t('age.days', { n: Math.floor(seconds / 86_400) })
}

/** A revocation list older than this is flagged: a week without sync means new revocations may be missed. */
export const REVOCATION_STALE_SECONDS = 7 * 86_400

/** Seconds since 1970 as a local `YYYY-MM-DD`. */
export function formatUnixDate(seconds: number): string {
  const d = new Date(seconds * 1000)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}
