import { i18n, setLocale, type AppLocale } from '../src/i18n'
import type { Translator } from '../src/lib/errors'

/** The app's i18n instance, switched to `locale`, as the `Translator` the ui's helpers take. */
export function translator(locale: AppLocale): Translator {
  setLocale(locale)
  return {
    t: (key, named) => i18n.global.t(key, named),
    te: (key) => i18n.global.te(key),
  }
}
