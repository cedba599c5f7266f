/** Turns whatever a rejected `invoke` carries into one sentence for the user. */
import type { ErrorBody } from '../api/types/ErrorBody'

/** The two i18n functions the mapping needs (a vue-i18n composer has both). */
export interface Translator {
  t: (key: string, named: Record<string, unknown>) => string
  te: (key: string) => boolean
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === 'string' &&
    typeof (value as Record<string, unknown>).message === 'string'
  )
}

/**
 * Normalises a rejection to `{code, message}`: the app's commands reject with that shape;
 * Tauri itself rejects with a string (e.g. an unknown command) and JavaScript with an `Error`.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (isErrorBody(error)) return { code: error.code, message: error.message }
  if (error instanceof Error) return { code: 'unknown', message: error.message }
  if (typeof error === 'string') return { code: 'unknown', message: error }
  let message: string
  try {
    message = JSON.stringify(error) ?? String(error)
  } catch {
    message = String(error)
  }
  return { code: 'unknown', message }
}

/** The locale key of the sentence for `code`, if `code` is a plain identifier. */
export function errorKey(code: string): string | null {
  return /^[A-Za-z0-9_]+$/.test(code) ? `errors.codes.${code}` : null
}

/**
 * The user-facing sentence for a rejection: the locale's sentence for its `code`, or, for a
 * code the locale does not know, the generic sentence with the error's own message.
 */
export function errorMessage(i18n: Translator, error: unknown): string {
  const body = toErrorBody(error)
  const key = errorKey(body.code)
  if (key !== null && i18n.te(key)) return i18n.t(key, {})
  return i18n.t('errors.generic', { message: body.message })
}
