#!/usr/bin/env bash
# The project's test command (`npm test`): NSQ binaries, type check, then Jest
# (unit + integration against real nsqd/nsqlookupd). Extra arguments go to Jest.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash test/scripts/install-nsq.sh
echo "== type check"
npx --no-install tsc -p tsconfig.json --noEmit

mkdir -p .tmp
results=.tmp/jest-results.json
rm -f "$results"
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$results" "$@" || status=$?

# One plain closing line that any CI log reader understands.
if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    console.log(`${r.numPassedTests} passed, ${failed} failed`);
  ' "$PWD/$results"
fi
exit "$status"
