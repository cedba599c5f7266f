/** Who works on this tablet now, and the certificate being presented. */
import { ref } from 'vue'
import type { CertificateCard } from '../api/types/CertificateCard'
import type { PresentationView } from '../api/types/PresentationView'

/** The officer whose PIN opened the app: the one who signs the evidence taken. */
export const currentOfficer = ref<CertificateCard | null>(null)

/** The presentation the full-screen certificate view shows. */
export const presentation = ref<PresentationView | null>(null)
