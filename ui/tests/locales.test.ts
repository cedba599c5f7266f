import { describe, expect, it } from 'vitest'
import zhCN from '../src/locales/zh-CN'
import en from '../src/locales/en'
import { DEFAULT_LOCALE, i18n, messages, otherLocale } from '../src/i18n'

/** Every leaf key of a message tree, as dotted paths. */
function leafKeys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null ? leafKeys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}

function leafValues(tree: object): unknown[] {
  return Object.values(tree).flatMap((value) =>
    typeof value === 'object' && value !== null ? leafValues(value) : [value],
  )
}

/** `{name}` placeholders in a message, sorted. */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

function lookup(tree: object, path: string): string {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree) as string
}

describe('locales', () => {
  it('have the same keys', () => {
    expect(leafKeys(en).sort()).toEqual(leafKeys(zhCN).sort())
  })

  it('have only non-empty strings', () => {
    for (const value of [...leafValues(zhCN), ...leafValues(en)]) {
      expect(typeof value).toBe('string')
      expect((value as string).trim()).not.toBe('')
    }
  })

  it('use the same placeholders for each key', () => {
    for (const key of leafKeys(zhCN)) {
      expect(placeholders(lookup(en, key)), key).toEqual(placeholders(lookup(zhCN, key)))
    }
  })

  it('default to Simplified Chinese and toggle between the two', () => {
    expect(DEFAULT_LOCALE).toBe('zh-CN')
    expect(Object.keys(messages).sort()).toEqual(['en', 'zh-CN'])
    expect(otherLocale('zh-CN')).toBe('en')
    expect(otherLocale('en')).toBe('zh-CN')
    expect(i18n.global.fallbackLocale.value).toBe('zh-CN')
  })

  it('interpolate placeholders', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(i18n.global.t('sync.done', { sent: 2, received: 3 })).toBe('同步完成：发送 2 份，接收 3 份')
    i18n.global.locale.value = 'en'
    expect(i18n.global.t('sync.done', { sent: 2, received: 3 })).toBe('Sync complete: 2 sent, 3 received')
  })
})
