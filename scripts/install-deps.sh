#!/usr/bin/env bash
# Installs the system software binsnap's tests, demo and benchmarks use, on a
# Debian/Ubuntu machine: MariaDB server and client tools (mariadb-binlog,
# mariadb-dump), MariaDB's test data (DDL corpus), Redis, Java + Maven and Apache Kafka's broker jars (cached),
# and for benchmarks sysbench and mydumper. Idempotent: when everything is
# present it only checks and returns in well under a second.
#
#   scripts/install-deps.sh            what the test suite needs
#   scripts/install-deps.sh --demo     what `npm run demo` needs (MariaDB only)
#   scripts/install-deps.sh --bench    the test suite's needs plus benchmark tools
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:---test}"
case "$mode" in --test|--demo|--bench) ;; *) echo "usage: $0 [--test|--demo|--bench]" >&2; exit 2 ;; esac

missing=()
want() { # want COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}

want mariadbd mariadb-server
want mariadb-install-db mariadb-server
want mariadb mariadb-client
want mariadb-binlog mariadb-client
if [[ "$mode" != --demo ]]; then
  # test/harness/tls.ts makes the TLS tests' throwaway CA and certificates with it.
  want openssl openssl
  # Servers named in the environment are used instead of local ones.
  [[ -n "${BINSNAP_TEST_REDIS_URL:-}" ]] || want redis-server redis-server
  if [[ -z "${BINSNAP_TEST_KAFKA_BROKERS:-}" ]]; then
    want java openjdk-17-jre-headless
    want mvn maven
  fi
fi
if [[ "$mode" != --demo ]]; then
  # MariaDB's own test suite: the DDL statements the parser's coverage test reads.
  [[ -d /usr/share/mysql/mysql-test || -d /usr/share/mariadb/mariadb-test ]] || missing+=(mariadb-test-data)
fi
if [[ "$mode" == --bench ]]; then
  want sysbench sysbench
  want mydumper mydumper
fi

if ((${#missing[@]} > 0)); then
  # shellcheck disable=SC2207
  pkgs=($(printf '%s\n' "${missing[@]}" | sort -u))
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "binsnap: missing system packages: ${pkgs[*]}" >&2
    echo "  install them with: apt-get install -y ${pkgs[*]}   (as root)" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "binsnap: missing ${pkgs[*]} and this machine has no apt-get; install them with your package manager" >&2
    exit 1
  fi
  echo "binsnap: installing ${pkgs[*]} (apt-get)…"
  t0=$(date +%s)
  "${SUDO[@]}" apt-get update -qq
  # The packages' own services are not needed: tests run private servers.
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  echo "binsnap: installed ${pkgs[*]} in $(( $(date +%s) - t0 )) s"
fi

if [[ "$mode" != --demo && -z "${BINSNAP_TEST_KAFKA_BROKERS:-}" ]]; then
  bash scripts/install-kafka.sh
fi
