# Installs what medfed needs when it is missing: npm packages (from package-lock.json) and, when
# asked, Debian packages. Sourced by scripts/demo.sh and scripts/test.sh; safe to run repeatedly.

ensure_node() {
  if ! command -v node >/dev/null 2>&1; then
    echo "medfed needs Node.js >= 20.19 (and npm); install it first." >&2
    exit 1
  fi
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]')
  minor=$(node -p 'process.versions.node.split(".")[1]')
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    echo "medfed needs Node.js >= 20.19; found $(node --version)." >&2
    exit 1
  fi
}

ensure_npm_packages() {
  # npm ci when node_modules is absent or older than the lock file.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "» installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# ensure_debian_packages PKG... — installs the Debian packages that are not installed yet.
ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "medfed needs Debian packages: ${missing[*]} (run as root or install them)." >&2
      exit 1
    fi
  fi
  echo "» installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

export APOLLO_TELEMETRY_DISABLED=1
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
