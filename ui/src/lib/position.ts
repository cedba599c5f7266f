/** Where (REC-1, REC-2): a recorded position as the officer reads it, a fix or the reason there is none. */
import type { Position } from '../api/types/Position'
import type { Translator } from './errors'
import { formatDateTime } from './format'

/**
 * A position in the locale's words: coordinates to 6 decimals (about 0.1 m), the accuracy in whole metres,
 * the fix's time and its source; an absence by its reason; `null` (recorded before positions) as such.
 */
export function positionLabel(i18n: Translator, position: Position | null, timeZone?: string): string {
  if (position === null) return i18n.t('position.notRecorded', {})
  if (position.state === 'absent') return i18n.t(`position.absent.${position.reason}`, {})
  return i18n.t('position.fix', {
    lat: position.latitude.toFixed(6),
    lon: position.longitude.toFixed(6),
    accuracy: Math.round(position.accuracy_m),
    time: formatDateTime(position.at, timeZone),
    source: i18n.t(`position.sources.${position.source}`, {}),
  })
}
