/**
 * Conflicts (SYNC-2) as the inspection screen shows them, and the save that writes only what the officer changed:
 * a field the officer did not touch is not sent, so a conflict on it made elsewhere stays to be resolved.
 */
import type { Conflict } from '../api/types/Conflict'
import type { ConflictValue } from '../api/types/ConflictValue'
import type { Inspection } from '../api/types/Inspection'
import type { InspectionEdit } from '../api/types/InspectionEdit'
import type { Translator } from './errors'
import { formatDateTime } from './format'
import { fieldLabel, shortDevice } from './trail'

/** The record's fields the officer types into on the inspection screen, as loaded or as edited. */
export interface RecordText {
  findings: string
  result: string
}

/** The edits of the fields whose text differs from what was loaded; nothing else is written. */
export function changedEdits(loaded: RecordText, edited: RecordText): InspectionEdit[] {
  const edits: InspectionEdit[] = []
  if (edited.findings !== loaded.findings) edits.push({ type: 'findings', text: edited.findings })
  if (edited.result !== loaded.result) edits.push({ type: 'result', text: edited.result })
  return edits
}

/** The conflict on `field`, if there is one. */
export function conflictOn(conflicts: Conflict[], field: string): Conflict | undefined {
  return conflicts.find((c) => c.field === field)
}

/** A conflict's field as the officer knows it: `checklist[<id>].result` names the checklist item's label. */
export function conflictFieldLabel(i18n: Translator, inspection: Inspection, field: string): string {
  const check = /^checklist\[(.+)\]\.(result|note)$/.exec(field)
  if (check) {
    const label = inspection.checklist.find((c) => c.id === check[1])?.label ?? check[1]
    return i18n.t(`conflicts.check.${check[2]}`, { label })
  }
  const party = /^party\.(.+)$/.exec(field)
  if (party && i18n.te(`conflicts.party.${party[1]}`)) return i18n.t(`conflicts.party.${party[1]}`, {})
  return fieldLabel(i18n, field)
}

/** Who wrote a value: the officer when their signature on that change verified, otherwise the device. */
export function writerLabel(i18n: Translator, value: ConflictValue, ownDevice: string): string {
  const device =
    value.device !== '' && value.device === ownDevice
      ? i18n.t('conflicts.thisDevice', {})
      : i18n.t('conflicts.device', { device: shortDevice(value.device) })
  if (value.officer) {
    return i18n.t('conflicts.officer', { name: value.officer.name, number: value.officer.certificate_number, device })
  }
  return device
}

/** The line under a value: who wrote it and when, by the writing device's clock. */
export function writtenLine(i18n: Translator, value: ConflictValue, ownDevice: string): string {
  return i18n.t('conflicts.written', { who: writerLabel(i18n, value, ownDevice), time: formatDateTime(value.device_time) })
}
