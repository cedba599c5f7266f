/** The new-inspection form: its fields, filling it from a catalogue item, and the draft `create_inspection` takes. */
import type { CatalogueItem } from '../api/types/CatalogueItem'
import type { InspectionDraft } from '../api/types/InspectionDraft'
import type { Kind } from '../api/types/Kind'
import type { LegalBasis } from '../api/types/LegalBasis'
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
  basisClause: string
  basisItem: string
  /** Further legal bases of the picked catalogue item, after the first (which the fields above hold). */
  extraBasis: LegalBasis[]
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

/** One legal basis as one line: law, article, clause, item, blanks left out. */
export function basisText(basis: LegalBasis): string {
  return [basis.law, basis.article, basis.clause, basis.item].map((part) => part.trim()).filter((part) => part !== '').join(' ')
}

/**
 * The form filled from a catalogue item (REC-8): item, kind, category, legal basis and checklist replaced, the
 * party, place, agency, region and officers kept. Every field stays editable afterwards.
 */
export function fillFromItem(form: DraftForm, item: CatalogueItem): DraftForm {
  const [first, ...rest] = item.legal_basis
  return {
    ...form,
    itemName: item.name,
    itemCode: item.code,
    kind: item.kind,
    category: item.category,
    basisLaw: first?.law ?? '',
    basisArticle: first?.article ?? '',
    basisClause: first?.clause ?? '',
    basisItem: first?.item ?? '',
    extraBasis: rest.map((basis) => ({ ...basis })),
    checklist: item.checklist.join('\n'),
  }
}

/** The draft for `create_inspection`; the first legal basis only when a law is named, then the further ones. */
export function toDraft(form: DraftForm): InspectionDraft {
  const law = form.basisLaw.trim()
  const first: LegalBasis[] =
    law === ''
      ? []
      : [{ law, article: form.basisArticle.trim(), clause: form.basisClause.trim(), item: form.basisItem.trim() }]
  return {
    agency: form.agency.trim(),
    kind: form.kind,
    item_code: form.itemCode.trim(),
    item_name: form.itemName.trim(),
    category: form.category.trim(),
    region: form.region.trim(),
    legal_basis: [...first, ...form.extraBasis.filter((basis) => basis.law.trim() !== '')],
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
