#!/usr/bin/env bash
# Debian packages the project runs with outside Python, installed with apt-get when missing:
#   haproxy   the load balancer of deploy/ (tests/e2e/test_two_hosts.py, bench --hosts 2)
#   chromium  the browser Playwright drives in tests/browser (never a browser download of its own)
#   fonts     fonts-noto-core, fonts-noto-cjk and fonts-noto-color-emoji: what the browser draws the pages'
#             Devanagari, Bengali, Chinese and emoji with (tests/browser/test_languages.py checks the glyphs
#             are drawn, not boxes), and the sources scripts/build_fonts.py subsets. The service's own pictures
#             never need them: it draws with the fonts committed in app/rendering/fonts/.
#   unicode-data  only to rebuild the bundled fonts (Unihan, emoji-data for scripts/build_fonts.py)
# Usage: scripts/install-system-packages.sh [haproxy] [chromium] [fonts] [unicode-data]   (no argument:
# haproxy, chromium and fonts). Needs root.
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(haproxy chromium fonts)

missing=()
for pkg in "${wanted[@]}"; do
  case "$pkg" in
    haproxy)  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    fonts)
      [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
      [ -f /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf ] || missing+=(fonts-noto-core)
      [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji) ;;
    unicode-data) [ -f /usr/share/unicode/Unihan_OtherMappings.txt.bz2 ] || missing+=(unicode-data) ;;
    *) echo "unknown package: $pkg (haproxy, chromium, fonts, unicode-data)" >&2; exit 64 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing ${missing[*]} (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
