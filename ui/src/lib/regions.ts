/**
 * Names of Inner Mongolia's administrative regions in Chinese and in Mongolian script, for the bilingual region
 * sign (LANG-1: the autonomous region writes its public names in both scripts). Looked up by the longest known
 * prefix of a region code (GB/T 2260): 150802 is shown as 巴彦淖尔市. The Mongolian spellings follow the official
 * bilingual names; issue 11 (the Mongolian interface) has them checked by a Mongolian reader.
 */

export type RegionName = { code: string; zh: string; mongolian: string }

const NAMES: Record<string, { zh: string; mongolian: string }> = {
  '15': { zh: '内蒙古自治区', mongolian: 'ᠥᠪᠥᠷ ᠮᠣᠩᠭᠣᠯ' },
  '1501': { zh: '呼和浩特市', mongolian: 'ᠬᠥᠬᠡᠬᠣᠲᠠ' },
  '1502': { zh: '包头市', mongolian: 'ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ' },
  '1503': { zh: '乌海市', mongolian: 'ᠦᠬᠠᠢ ᠬᠣᠲᠠ' },
  '1504': { zh: '赤峰市', mongolian: 'ᠤᠯᠠᠭᠠᠨᠬᠠᠳᠠ ᠬᠣᠲᠠ' },
  '1505': { zh: '通辽市', mongolian: 'ᠲᠦᠩᠯᠢᠶᠣᠤ ᠬᠣᠲᠠ' },
  '1506': { zh: '鄂尔多斯市', mongolian: 'ᠣᠷᠳᠣᠰ ᠬᠣᠲᠠ' },
  '1507': { zh: '呼伦贝尔市', mongolian: 'ᠬᠥᠯᠥᠨᠪᠤᠶᠢᠷ ᠬᠣᠲᠠ' },
  '1508': { zh: '巴彦淖尔市', mongolian: 'ᠪᠠᠶᠠᠨᠨᠠᠭᠤᠷ ᠬᠣᠲᠠ' },
  '1509': { zh: '乌兰察布市', mongolian: 'ᠤᠯᠠᠭᠠᠨᠴᠠᠪ ᠬᠣᠲᠠ' },
  '1522': { zh: '兴安盟', mongolian: 'ᠬᠢᠩᠭᠠᠨ ᠠᠶᠢᠮᠠᠭ' },
  '1525': { zh: '锡林郭勒盟', mongolian: 'ᠰᠢᠯᠢ ᠶᠢᠨ ᠭᠣᠣᠯ ᠠᠶᠢᠮᠠᠭ' },
  '1529': { zh: '阿拉善盟', mongolian: 'ᠠᠯᠠᠱᠠ ᠠᠶᠢᠮᠠᠭ' },
}

/** The name of region `code` or of the nearest enclosing region we know; `null` outside Inner Mongolia. */
export function regionName(code: string): RegionName | null {
  const digits = code.trim()
  if (!/^\d{2,12}$/.test(digits)) return null
  for (let length = Math.min(digits.length, 6); length >= 2; length -= 2) {
    const prefix = digits.slice(0, length)
    const name = NAMES[prefix]
    if (name) return { code: prefix, ...name }
  }
  return null
}
