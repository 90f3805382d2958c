# Sourced by scripts/test. Headless Chromium and its WebDriver from
# Debian's packages, for the console's browser test
# (dev-server/tests/console.rs), installed when missing.
chromium_install() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null && return 0
  echo "installing chromium and chromium-driver (apt)"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
}
