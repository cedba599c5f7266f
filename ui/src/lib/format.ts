/** Display formatting of inspection fields; labels come from the locale files. */
import type { Kind } from '../api/types/Kind'
import type { Status } from '../api/types/Status'
import type { Translator } from './errors'

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/**
 * An RFC 3339 timestamp as `YYYY-MM-DD HH:mm` in `timeZone` (default: the device's zone);
 * the same digits in every locale. A string that is not a timestamp is returned unchanged.
 */
export function formatDateTime(rfc3339: string, timeZone?: string): string {
  const date = new Date(rfc3339)
  if (rfc3339.trim() === '' || Number.isNaN(date.getTime())) return rfc3339
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date)
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? NaN)
  return `${part('year')}-${pad(part('month'))}-${pad(part('day'))} ${pad(part('hour'))}:${pad(part('minute'))}`
}

/** The locale's name of an enforcement kind; an unknown kind shows as sent. */
export function kindLabel(i18n: Translator, kind: Kind | string): string {
  const key = `kinds.${kind}`
  return i18n.te(key) ? i18n.t(key, {}) : kind
}

/** The locale's name of a status; an unknown status shows as sent. */
export function statusLabel(i18n: Translator, status: Status | string): string {
  const key = `status.${status}`
  return i18n.te(key) ? i18n.t(key, {}) : status
}

/** Vant tag type for a status. */
export function statusTagType(status: Status | string): 'default' | 'primary' | 'success' {
  switch (status) {
    case 'completed':
      return 'success'
    case 'in_progress':
      return 'primary'
    default:
      return 'default'
  }
}

/** The inspection's result, or the locale's placeholder when none is recorded yet. */
export function resultLabel(i18n: Translator, result: string): string {
  return result.trim() === '' ? i18n.t('inspections.noResult', {}) : result
}
