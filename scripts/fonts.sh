#!/usr/bin/env bash
# Regenerates the fonts the ui bundles (ui/src/assets/fonts/, LANG-1) from Debian's font packages, so that every
# screen reads the same on any tablet and on a machine with no CJK or Mongolian font installed:
#   noto-sans-sc-regular.woff2, noto-sans-sc-bold.woff2   Noto Sans CJK SC (fonts-noto-cjk), subset to
#       GB 2312 (all 7,445 characters: its 6,763 hanzi, punctuation, full-width forms, kana, Greek, Cyrillic),
#       ASCII and Latin-1, general and CJK punctuation, half- and full-width forms, and every character written in
#       ui/src, scripts/demo and the scripts' demo data, as git tracks them (plus EXTRA_CHARS, for a name the
#       sets above lack);
#   noto-sans-mongolian-regular.woff2                     Noto Sans Mongolian (fonts-noto-core), whole.
# plus OFL.txt (the fonts' licence and copyright notices) and SOURCES.txt (package versions, sizes, counts).
# The subset keeps the payload small (the whole SC face is 16 MB per weight as OTF); widen it by adding characters
# to EXTRA_CHARS or a range to RANGES below and running this again.
#
# Needs apt-get (downloads the .deb files without installing them), python3-fonttools and python3-brotli
# (installed when missing; pyftsubset is fontTools.subset). Output is byte-for-byte reproducible for the same
# package versions and inputs.
# Usage: bash scripts/fonts.sh [OUT_DIR]   (default ui/src/assets/fonts)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:-ui/src/assets/fonts}"
# Debian's python3 has the apt-installed fontTools; a python3 earlier on PATH (pyenv, venv) may not.
PYTHON="${PYTHON:-/usr/bin/python3}"
# Characters outside the sets below that must display (a rare surname, a place name): append and rerun.
EXTRA_CHARS="${EXTRA_CHARS:-}"
# Unicode ranges kept whole: ASCII, Latin-1, general punctuation, letterlike symbols and arrows the ui may use,
# CJK symbols and punctuation, CJK compatibility forms, half-width and full-width forms.
RANGES="U+0020-007E,U+00A0-00FF,U+2000-206F,U+2100-214F,U+2190-21FF,U+2460-24FF,U+3000-303F,U+FE30-FE4F,U+FF00-FFEF"

if ! "$PYTHON" -c 'import fontTools.subset, brotli' 2>/dev/null; then
  echo "==> apt: installing python3-fonttools python3-brotli"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-fonttools python3-brotli >/dev/null
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fieldtrail-fonts.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "==> downloading fonts-noto-cjk and fonts-noto-core (not installed: unpacked in $WORK)"
# apt's sandbox user must be able to write the download directory.
chmod 777 "$WORK"
(cd "$WORK" && apt-get download -qq fonts-noto-cjk fonts-noto-core)
for deb in "$WORK"/*.deb; do dpkg -x "$deb" "$WORK/root"; done
CJK_VERSION="$(dpkg-deb -f "$WORK"/fonts-noto-cjk_*.deb Version)"
CORE_VERSION="$(dpkg-deb -f "$WORK"/fonts-noto-core_*.deb Version)"
CJK_DIR="$WORK/root/usr/share/fonts/opentype/noto"
MONGOLIAN="$WORK/root/usr/share/fonts/truetype/noto/NotoSansMongolian-Regular.ttf"
[[ -f "$CJK_DIR/NotoSansCJK-Regular.ttc" && -f "$CJK_DIR/NotoSansCJK-Bold.ttc" ]] || {
  echo "fonts: fonts-noto-cjk $CJK_VERSION has no NotoSansCJK-{Regular,Bold}.ttc" >&2; exit 1; }
[[ -f "$MONGOLIAN" ]] || { echo "fonts: fonts-noto-core $CORE_VERSION has no NotoSansMongolian-Regular.ttf" >&2; exit 1; }

echo "==> the character set"
# The project's own text: every file under ui/src (locales, components), the demo data and the scripts that seed it.
mapfile -t TEXT_FILES < <(git ls-files ui/src scripts/demo scripts/*.sh | grep -vE '\.(png|jpe?g|woff2?|ttf|otf)$')
"$PYTHON" - "$WORK/text.txt" "$EXTRA_CHARS" "${TEXT_FILES[@]}" <<'PY'
import sys
out, extra, files = sys.argv[1], sys.argv[2], sys.argv[3:]
chars = set()
# GB 2312 whole: rows 0xA1-0xF7, cells 0xA1-0xFE, keeping the code points it defines.
for row in range(0xA1, 0xF8):
    for cell in range(0xA1, 0xFF):
        try:
            chars.add(bytes([row, cell]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
hanzi = sum(1 for c in chars if '\u4e00' <= c <= '\u9fff')
assert hanzi == 6763, f'GB 2312 decoded to {hanzi} hanzi, expected 6,763'
for path in files:
    with open(path, encoding='utf-8') as f:
        chars.update(f.read())
chars.update(extra)
# Controls and Mongolian (its own face) are not for the SC subset.
chars = {c for c in chars if c.isprintable() and not '\u1800' <= c <= '\u18af'}
with open(out, 'w', encoding='utf-8') as f:
    f.write(''.join(sorted(chars)))
print(f'   {len(chars)} characters from GB 2312 ({hanzi} hanzi) and {len(files)} project files')
PY

subset() { # source font-number out.woff2 [options…]
  local source="$1" number="$2" out="$3"
  shift 3
  "$PYTHON" -m fontTools.subset "$source" --font-number="$number" --flavor=woff2 --output-file="$out" "$@"
}
mkdir -p "$OUT"
echo "==> Noto Sans CJK SC regular and bold, subset"
# Face 2 of each collection is Noto Sans CJK SC. Layout features: the defaults (kerning, ligatures, locl) plus
# the vertical forms and proportional CJK punctuation; hints dropped (FreeType and the tablets' rasterisers
# do without CFF hints, and they are a fifth of the size).
for weight in Regular Bold; do
  lower="$(tr '[:upper:]' '[:lower:]' <<<"$weight")"
  subset "$CJK_DIR/NotoSansCJK-$weight.ttc" 2 "$OUT/noto-sans-sc-$lower.woff2" \
    --text-file="$WORK/text.txt" --unicodes="$RANGES" \
    --layout-features+=vert,vrt2,palt,halt --no-hinting --desubroutinize --name-IDs='*' --name-languages='*'
done
echo "==> Noto Sans Mongolian, whole"
# Every glyph and every layout feature: Mongolian letters take their positional and variant forms from GSUB.
subset "$MONGOLIAN" 0 "$OUT/noto-sans-mongolian-regular.woff2" \
  --glyphs='*' --unicodes='*' --layout-features='*' --name-IDs='*' --name-languages='*' --notdef-outline

echo "==> licence and sources"
"$PYTHON" - "$OUT" "$WORK/root/usr/share/doc/fonts-noto-core/copyright" "$CJK_DIR/NotoSansCJK-Regular.ttc" \
  "$MONGOLIAN" "$CJK_VERSION" "$CORE_VERSION" "$WORK/text.txt" <<'PY'
import os, sys
from fontTools.ttLib import TTFont
out, copyright_file, cjk, mongolian, cjk_version, core_version, text = sys.argv[1:8]

def notice(path, number=0):
    font = TTFont(path, fontNumber=number, lazy=True)
    return font['name'].getDebugName(0), font['name'].getDebugName(4)

# The OFL 1.1 text as Debian ships it in the package's machine-readable copyright file.
# The licence text is the stand-alone "License: OFL-1.1" paragraph: the one whose next line is indented.
source = open(copyright_file, encoding='utf-8').read().splitlines()
start = next(i for i, line in enumerate(source[:-1]) if line == 'License: OFL-1.1' and source[i + 1].startswith(' '))
lines = []
for line in source[start + 1:]:
    if not line.startswith(' '):
        break
    lines.append('' if line.strip() == '.' else line[1:])
ofl = '\n'.join(lines).strip()
assert 'Open Font License (OFL)' in ofl, 'no OFL text found in ' + copyright_file
with open(os.path.join(out, 'OFL.txt'), 'w', encoding='utf-8') as f:
    for path, number in ((cjk, 2), (mongolian, 0)):
        copyright, name = notice(path, number)
        f.write(f'{name}: {copyright}\n')
    f.write('\nThese fonts are subset (Noto Sans CJK SC) or converted to WOFF2 (Noto Sans Mongolian) by\n'
            'scripts/fonts.sh; they are licensed under the SIL Open Font License, Version 1.1:\n\n'
            'SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007\n\n')
    f.write(ofl + '\n')

with open(os.path.join(out, 'SOURCES.txt'), 'w', encoding='utf-8') as f:
    f.write('Generated by scripts/fonts.sh; do not edit. Rerun it to regenerate or widen the subset.\n\n')
    f.write(f'fonts-noto-cjk {cjk_version}: NotoSansCJK-Regular.ttc, NotoSansCJK-Bold.ttc (face 2, Noto Sans CJK SC)\n')
    f.write(f'fonts-noto-core {core_version}: NotoSansMongolian-Regular.ttf\n\n')
    f.write(f'SC subset: {len(open(text, encoding="utf-8").read())} characters requested\n')
    for name in sorted(os.listdir(out)):
        if name.endswith('.woff2'):
            font = TTFont(os.path.join(out, name))
            f.write(f'{name}: {os.path.getsize(os.path.join(out, name))} bytes, '
                    f'{len(font.getBestCmap())} characters, {len(font.getGlyphOrder())} glyphs\n')
print(open(os.path.join(out, 'SOURCES.txt'), encoding='utf-8').read())
PY
