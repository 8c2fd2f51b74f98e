#!/usr/bin/env bash
# Debian packages the project runs with outside Python, installed with apt-get when missing:
#   haproxy   the load balancer of deploy/ (tests/e2e/test_two_hosts.py, bench --hosts 2)
#   chromium  the browser Playwright drives in tests/browser (never a browser download of its own)
#   fonts     only to REBUILD the bundled fonts (scripts/build_fonts.py): fonts-noto-cjk, fonts-noto-core,
#             fonts-noto-color-emoji, unicode-data (Unihan, emoji-data). The app never needs them: it draws
#             with the fonts committed in app/rendering/fonts/.
# Usage: scripts/install-system-packages.sh [haproxy] [chromium] [fonts]   (no argument: haproxy and
# chromium). Needs root.
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(haproxy chromium)

missing=()
for pkg in "${wanted[@]}"; do
  case "$pkg" in
    haproxy)  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    fonts)
      [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
      [ -f /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf ] || missing+=(fonts-noto-core)
      [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
      [ -f /usr/share/unicode/Unihan_OtherMappings.txt.bz2 ] || missing+=(unicode-data) ;;
    *) echo "unknown package: $pkg (haproxy, chromium, fonts)" >&2; exit 64 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing ${missing[*]} (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
