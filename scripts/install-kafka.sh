#!/usr/bin/env bash
# Fetch the jars of a single-node Kafka broker into binsnap's cache directory.
#
# Why: the integration tests need a real Kafka broker, this machine has no
# Docker engine and Debian has no Kafka package, but Maven Central has the
# broker's jars. This script resolves them with scripts/kafka/pom.xml and
# copies them to
#   ${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}/kafka-<version>/libs
# where test/harness/kafka.ts runs them with the machine's Java.
#
# Idempotent and instant when the jars are present: a marker file
# (kafka-<version>/.complete) is written only after the jars have been copied
# into a scratch directory and moved into place, so an interrupted download is
# never taken for a finished one. Concurrent runs are serialised with flock.
#
# The version comes from <kafka.version> in scripts/kafka/pom.xml;
# BINSNAP_KAFKA_VERSION overrides it. Prints one line saying what it did.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/kafka/pom.xml"
me="install-kafka"

die() { echo "$me: $*" >&2; exit 1; }

[[ -f "$pom" ]] || die "missing $pom"

pom_version="$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$pom" | head -n 1)"
version="${BINSNAP_KAFKA_VERSION:-$pom_version}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot tell the Kafka version (got '$version')"

cache_root="${BINSNAP_CACHE_DIR:-$HOME/.cache/binsnap}"
home_dir="$cache_root/kafka-$version"
libs="$home_dir/libs"
marker="$home_dir/.complete"

is_complete() { [[ -f "$marker" && -f "$libs/kafka_2.13-$version.jar" ]]; }

if is_complete; then
  echo "$me: Kafka $version jars already cached in $libs"
  exit 0
fi

# --- prerequisites: java (17+ for Kafka 4, 11+ before) and mvn --------------
need_java=11
[[ "${version%%.*}" -ge 4 ]] && need_java=17

java_major() {
  # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

missing=()
command -v java >/dev/null 2>&1 || missing+=(java)
command -v mvn >/dev/null 2>&1 || missing+=(mvn)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "$me: ${missing[*]} not found, installing openjdk-17-jre-headless and maven with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q openjdk-17-jre-headless maven >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q openjdk-17-jre-headless maven >/dev/null; } \
      || die "apt-get could not install openjdk-17-jre-headless and maven"
  else
    die "${missing[*]} not found: install Java $need_java+ and Maven (Debian: apt-get install openjdk-17-jre-headless maven)"
  fi
fi
jmaj="$(java_major)"
[[ -n "$jmaj" && "$jmaj" -ge "$need_java" ]] \
  || die "Kafka $version needs Java $need_java or newer, found '${jmaj:-unknown}' ($(command -v java))"

# --- fetch -------------------------------------------------------------------
mkdir -p "$home_dir"
exec 9>"$home_dir/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  # Another run may have finished while we waited for the lock.
  if is_complete; then
    echo "$me: Kafka $version jars already cached in $libs"
    exit 0
  fi
  # Holding the lock, any scratch left here is from a run that was killed.
  rm -rf "$home_dir"/libs.partial.* "$home_dir"/mvn.log.*
fi

scratch="$(mktemp -d "$home_dir/libs.partial.XXXXXX")"
mvn_log="$(mktemp "$home_dir/mvn.log.XXXXXX")"
cleanup() { rm -rf "$scratch" "$mvn_log"; }
trap cleanup EXIT

start=$SECONDS
if ! mvn -B -q -f "$pom" \
      -Dkafka.version="$version" \
      -DoutputDirectory="$scratch" \
      dependency:copy-dependencies >"$mvn_log" 2>&1; then
  tail -n 40 "$mvn_log" >&2 || true
  die "mvn could not fetch org.apache.kafka:kafka_2.13:$version (is Maven Central reachable?)"
fi
[[ -f "$scratch/kafka_2.13-$version.jar" ]] \
  || die "mvn finished but kafka_2.13-$version.jar is missing from the copied jars"

chmod 755 "$scratch"
rm -rf "$libs"
mv "$scratch" "$libs"
count="$(find "$libs" -maxdepth 1 -name '*.jar' | wc -l | tr -d ' ')"
printf 'kafka_2.13 %s\njars %s\n' "$version" "$count" >"$marker.tmp"
mv "$marker.tmp" "$marker"

echo "$me: fetched Kafka $version ($count jars) into $libs in $((SECONDS - start))s"
