#!/usr/bin/env bash
# `npm run bench`: every section of BENCHMARKS.md in one run. The request-response, envelope and
# tracing workloads write their sections to test/bench/results first; the main run (publish, consume,
# emit → handler, latency, memory, nsqd's Go tools) then renders BENCHMARKS.md with all of them.
# Extra arguments go to the main run (e.g. `npm run bench -- --reps 3`).
set -euo pipefail
cd "$(dirname "$0")/../.."

bash test/scripts/install-nsq.sh
npm run build
npx --no-install tsc -p test/bench/tsconfig.json

echo "== request-response (issue 14)"
node dist/bench/test/bench/workloads/request-response.workload.js
echo "== envelope on and off"
node --expose-gc dist/bench/test/bench/envelope-main.js
echo "== tracing and metrics on and off (issue 13)"
node dist/bench/test/bench/workloads/tracing.workload.js
echo "== publish, consume, emit → handler, latency, memory, ceiling"
node --expose-gc dist/bench/test/bench/bench-main.js "$@"
