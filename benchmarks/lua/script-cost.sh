#!/usr/bin/env bash
# Server-side cost of one value write, per script variant, on one redis-server of its own (loopback port 7391):
# the minimal versioned write, the SDK's value_write.lua without slot digests (two keys) and with them (four keys,
# one index and one digest hash per slot, as the client sends). Each variant runs ROUNDS times, interleaved, through
# redis-benchmark (4 connections, 8 commands pipelined, 100,000 random keys); it prints the median of INFO
# commandstats' usec_per_call (the script's own time, no I/O) and of the server process's CPU per call.
# Usage: benchmarks/lua/script-cost.sh [ROUNDS=3] [CALLS=200000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds=${1:-3}
calls=${2:-200000}
port=7391
scripts=src/AnarchoRedis.Runtime/Scripts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/minimal.lua" <<'LUA'
local v = redis.call('HGET', KEYS[2], 'v')
if v and v > ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], 'v', ARGV[1])
return 1
LUA
cat "$scripts/version_common.lua" "$scripts/slot_common.lua" "$scripts/value_write.lua" > "$work/value_write.lua"
payload=$(head -c 100 /dev/zero | tr '\0' 'x')
# ARGV[8] = 1 rewrites the same version, so every call writes.
args=(0123456789abcdef0123456789abcdef v "$payload" 0 0 0 Profile 1 123456789 0)

run() { # run NAME SCRIPT KEY... -> "usec_per_call cpu_per_call"
  local name=$1 script=$2; shift 2
  redis-server --port $port --save '' --appendonly no --logfile "$work/redis.log" &
  local pid=$!
  until redis-cli -p $port PING > /dev/null 2>&1; do sleep 0.05; done
  local sha; sha=$(redis-cli -p $port SCRIPT LOAD "$(cat "$script")")
  redis-cli -p $port CONFIG RESETSTAT > /dev/null
  local t0; t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  redis-benchmark -p $port -q -n "$calls" -c 4 -P 8 -r 100000 EVALSHA "$sha" "$#" "$@" "${args[@]}" > /dev/null 2>&1
  local t1; t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  local usec; usec=$(redis-cli -p $port INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$usec $(echo "($t1 - $t0) * 1000000 / $(getconf CLK_TCK) / $calls" | bc -l)"
}

declare -A script_us cpu_us
for _ in $(seq 1 "$rounds"); do
  for variant in minimal nodigest digest; do
    case $variant in
      minimal) r=$(run "$variant" "$work/minimal.lua" 'd:{__rand_int__}' 'm:{__rand_int__}') ;;
      nodigest) r=$(run "$variant" "$work/value_write.lua" 'd:{__rand_int__}' 'm:{__rand_int__}') ;;
      digest) r=$(run "$variant" "$work/value_write.lua" 'd:{__rand_int__}' 'm:{__rand_int__}' 'i:{__rand_int__}' 'g:{__rand_int__}') ;;
    esac
    script_us[$variant]+=" ${r% *}"
    cpu_us[$variant]+=" ${r#* }"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
printf '| script | script µs/call | server CPU µs/call |\n|---|---:|---:|\n'
for variant in minimal nodigest digest; do
  printf '| %s | %s | %s |\n' "$variant" "$(echo "${script_us[$variant]}" | median)" "$(echo "${cpu_us[$variant]}" | median)"
done
