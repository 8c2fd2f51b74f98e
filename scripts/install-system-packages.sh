#!/usr/bin/env bash
# Debian packages the project runs with outside Python, installed with apt-get when missing:
#   haproxy   the load balancer of deploy/ (tests/e2e/test_two_hosts.py, bench --hosts 2)
#   chromium  the browser Playwright drives in tests/browser (never a browser download of its own)
#   fonts     fonts-noto-core and fonts-noto-cjk: the pages' Devanagari, Bengali and Chinese in that browser
#             (tests/browser/test_languages.py checks the glyphs are drawn, not boxes)
# Usage: scripts/install-system-packages.sh [haproxy] [chromium] [fonts]   (no argument: all). Needs root.
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(haproxy chromium fonts)

missing=()
for pkg in "${wanted[@]}"; do
  case "$pkg" in
    haproxy)  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    fonts)
      dpkg -s fonts-noto-core >/dev/null 2>&1 || missing+=(fonts-noto-core)
      dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk) ;;
    *) echo "unknown package: $pkg (haproxy, chromium, fonts)" >&2; exit 64 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing ${missing[*]} (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
