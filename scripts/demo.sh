#!/usr/bin/env bash
# The quick start (`npm run demo`): starts a throwaway MariaDB of its own (a
# temp datadir, a free port on 127.0.0.1, ROW binlog), creates a small shop
# schema, writes transactions and a schema change, notes the binlog position
# after each step, replays the server's binlog files into a binsnap store and
# shows the table as of two positions, its schema history and one row's
# history. Everything is removed at the end; --keep keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
[[ "${1:-}" == "--keep" ]] && keep=1

bash scripts/install-deps.sh --demo
npm run -s build

dir="$(mktemp -d "${TMPDIR:-/tmp}/binsnap-demo-XXXXXX")"
sock="$dir/mariadbd.sock"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if ((keep)); then echo "demo files kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
cat >"$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
socket=$sock
port=$port
bind-address=127.0.0.1
skip-name-resolve
server-id=1
log-bin=$dir/data/mysql-bin
binlog-format=ROW
binlog-row-metadata=FULL
log-error=$dir/error.log
pid-file=$dir/mariadbd.pid
innodb-buffer-pool-size=64M
CNF

as_root=()
[[ $(id -u) -eq 0 ]] && as_root=(--user=root)

echo "==> starting a throwaway MariaDB on 127.0.0.1:$port ($dir)"
mariadb-install-db --defaults-file="$dir/my.cnf" --auth-root-authentication-method=normal --skip-test-db "${as_root[@]}" >"$dir/install.log" 2>&1 \
  || { cat "$dir/install.log" >&2; exit 1; }
mariadbd --defaults-file="$dir/my.cnf" "${as_root[@]}" 2>>"$dir/error.log" &
pid=$!
for _ in $(seq 1 300); do
  mariadb -S "$sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/error.log" >&2; exit 1; }
  sleep 0.1
done

sql() { mariadb -S "$sock" -uroot --batch --skip-column-names "$@"; }
position() { sql -e 'SHOW MASTER STATUS' | awk '{print $1 ":" $2}'; }

echo "==> creating shop.customers and writing the first transactions"
sql <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.customers (
  id INT PRIMARY KEY,
  name VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL,
  balance DECIMAL(10,2) NOT NULL,
  tier ENUM('basic','gold') NOT NULL,
  joined DATETIME(3) NOT NULL
);
INSERT INTO shop.customers VALUES
  (1, 'Ada', 10.00, 'basic', '2026-01-05 09:00:00.125'),
  (2, 'Grace', 250.50, 'gold', '2026-02-11 14:30:00.000'),
  (3, 'Linus', 0.00, 'basic', '2026-03-01 08:15:00.500');
SQL
start="mysql-bin.000001:4"
p1="$(position)"
echo "    position P1 = $p1"

echo "==> more transactions: an update, a delete, an insert, then a schema change"
sql <<'SQL'
START TRANSACTION;
UPDATE shop.customers SET balance = balance + 99.99, tier = 'gold' WHERE id = 1;
DELETE FROM shop.customers WHERE id = 3;
COMMIT;
INSERT INTO shop.customers VALUES (4, 'Zoë', 12.34, 'basic', '2026-04-01 12:00:00.000');
ALTER TABLE shop.customers ADD COLUMN country CHAR(2) NOT NULL DEFAULT 'NL' AFTER name;
UPDATE shop.customers SET country = 'GB' WHERE id = 2;
SQL
p2="$(position)"
echo "    position P2 = $p2"

echo
echo "==> the table now (SELECT on the server):"
mariadb -S "$sock" -uroot --table -e 'SELECT * FROM shop.customers ORDER BY id'

echo
store="$dir/binsnap.db"
echo "==> binsnap replay: the server's binlog files into the store $store"
node bin/binsnap.js replay --binlog-dir "$dir/data" --from "$start" --to "$p2" --store "$store" --log-level warn

echo
echo "==> binsnap export --at P1 ($p1): the table as it was then"
node bin/binsnap.js export --table shop.customers --at "$p1" --format csv --store "$store" --log-level warn
echo
echo "==> binsnap export --at P2 ($p2): after the update, delete, insert and ALTER"
node bin/binsnap.js export --table shop.customers --at "$p2" --format csv --store "$store" --log-level warn
echo
echo "==> binsnap schema --history: every version of the table's schema"
node bin/binsnap.js schema --table shop.customers --history --store "$store" --log-level warn
echo
echo "==> binsnap history: every version of customer 1"
node bin/binsnap.js history --table shop.customers --key '{"id":1}' --store "$store" --log-level warn
echo
echo "Done. Try more against the kept files: npm run demo -- --keep, then binsnap status --store <dir>/binsnap.db"
