/** The new-inspection form: its fields and the draft the app's `create_inspection` takes. */
import type { InspectionDraft } from '../api/types/InspectionDraft'
import type { Kind } from '../api/types/Kind'
import type { OfficerRef } from '../api/types/OfficerRef'

export interface DraftForm {
  kind: Kind
  itemName: string
  itemCode: string
  agency: string
  category: string
  region: string
  basisLaw: string
  basisArticle: string
  partyName: string
  creditCode: string
  partyAddress: string
  partyPhone: string
  address: string
  checklist: string
  officers: OfficerRef[]
}

/** Fields that must not be blank, as locale keys under `form.`. */
export const REQUIRED: (keyof DraftForm)[] = ['itemName', 'agency', 'category', 'region', 'partyName']

/** The first required field left blank, or null. */
export function missingField(form: DraftForm): keyof DraftForm | null {
  return REQUIRED.find((key) => String(form[key]).trim() === '') ?? null
}

/** Checklist lines: one item per non-blank line, trimmed. */
export function checklistLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

/** The draft for `create_inspection`; a legal basis only when a law is named. */
export function toDraft(form: DraftForm): InspectionDraft {
  const law = form.basisLaw.trim()
  return {
    agency: form.agency.trim(),
    kind: form.kind,
    item_code: form.itemCode.trim(),
    item_name: form.itemName.trim(),
    category: form.category.trim(),
    region: form.region.trim(),
    legal_basis: law === '' ? [] : [{ law, article: form.basisArticle.trim(), clause: '', item: '' }],
    party: {
      name: form.partyName.trim(),
      credit_code: form.creditCode.trim(),
      id_number: '',
      address: form.partyAddress.trim(),
      phone: form.partyPhone.trim(),
    },
    location: { latitude: null, longitude: null, address: form.address.trim() },
    officers: form.officers,
    checklist: checklistLines(form.checklist),
  }
}
