/** The ui's vue-i18n instance: Simplified Chinese by default, English selectable; the choice is remembered. */
import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import vantEnUS from 'vant/es/locale/lang/en-US'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import zhCN, { type MessageSchema } from './locales/zh-CN'
import en from './locales/en'

export const LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'

const STORAGE_KEY = 'fieldtrail.locale'

export const messages: Record<AppLocale, MessageSchema> = { 'zh-CN': zhCN, en }

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

function storedLocale(): AppLocale {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY)
    return isAppLocale(value) ? value : DEFAULT_LOCALE
  } catch {
    return DEFAULT_LOCALE
  }
}

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages,
})

/** Switches the ui (ours and Vant's built-in texts) to `locale` and remembers it. */
export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  VantLocale.use(locale === 'en' ? 'en-US' : 'zh-CN', locale === 'en' ? vantEnUS : vantZhCN)
  if (typeof document !== 'undefined') {
    document.documentElement.lang = locale
    document.title = `FieldTrail ${messages[locale].app.title}`
  }
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  } catch {
    // Storage may be unavailable; the choice then lasts for this session only.
  }
}

/** The locale the switch moves to from `locale`. */
export function otherLocale(locale: AppLocale): AppLocale {
  return locale === 'zh-CN' ? 'en' : 'zh-CN'
}
