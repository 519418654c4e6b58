#!/usr/bin/env bash
# Makes the pinned NSQ programs available in <repo>/.nsq/bin (git-ignored), where the test harness
# (test/support/nsq-binaries.ts) looks first. Tried in order, cheapest first:
#   1. already installed there at the pinned version -> nothing to do;
#   2. every program on PATH and nsqd at the pinned version -> symlink them;
#   3. a Go toolchain on this machine -> build them from the NSQ modules;
#   4. otherwise fail and say how to get them.
# Safe to run again: a second run stops at step 1.
set -euo pipefail

readonly NSQ_VERSION='1.3.0'
readonly PROGRAMS=(nsqd nsqlookupd nsqadmin nsq_tail to_nsq bench_writer bench_reader)
readonly GO_PACKAGES=(
  github.com/nsqio/nsq/apps/nsqd
  github.com/nsqio/nsq/apps/nsqlookupd
  github.com/nsqio/nsq/apps/nsqadmin
  github.com/nsqio/nsq/apps/nsq_tail
  github.com/nsqio/nsq/apps/to_nsq
  github.com/nsqio/nsq/bench/bench_writer
  github.com/nsqio/nsq/bench/bench_reader
)
# nsq's own go.mod replaces go-svc with this fork (nsqd needs its svc.ErrStop), but a replace directive
# only applies in the main module; when nsq is built as a dependency we have to repeat it ourselves.
readonly GO_SVC_REPLACE='github.com/judwhite/go-svc=github.com/mreiferson/go-svc@v1.2.2-0.20210815184239-7a96e00010f6'

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT_DIR
readonly NSQ_DIR="${ROOT_DIR}/.nsq"
readonly BIN_DIR="${NSQ_DIR}/bin"
# Set while a build runs: a directory of its own, so two concurrent runs cannot clobber each other.
BUILD_DIR=''

log() { printf 'install-nsq: %s\n' "$*"; }
fail() { printf 'install-nsq: %s\n' "$*" >&2; exit 1; }

# Removes the build module after a successful build; keeps it after a failed one, for inspection.
on_exit() {
  local status=$?
  [[ -n "${BUILD_DIR}" && -d "${BUILD_DIR}" ]] || return 0
  if (( status == 0 )); then
    rm -rf "${BUILD_DIR}"
  else
    printf 'install-nsq: build failed; its Go module is kept in %s\n' "${BUILD_DIR}" >&2
  fi
}
trap on_exit EXIT

# True when the given nsqd binary reports the pinned version (e.g. "nsqd v1.3.0 (built w/go1.22)").
nsqd_is_pinned() {
  local output
  output="$("$1" --version 2>&1)" || return 1
  [[ "${output}" =~ (^|[[:space:]])v${NSQ_VERSION//./\\.}([[:space:]]|$) ]]
}

installed_in_bin_dir() {
  local program
  for program in "${PROGRAMS[@]}"; do
    [[ -x "${BIN_DIR}/${program}" ]] || return 1
  done
  nsqd_is_pinned "${BIN_DIR}/nsqd"
}

# Prints the absolute path of a program found on PATH, ignoring our own bin dir (which may be on PATH
# and would otherwise make us symlink a file onto itself).
find_on_path() {
  local program="$1" dir
  local IFS=':'
  for dir in ${PATH}; do
    [[ -n "${dir}" ]] || continue
    [[ "$(cd "${dir}" 2>/dev/null && pwd -P)" != "$(cd "${BIN_DIR}" 2>/dev/null && pwd -P)" ]] || continue
    if [[ -x "${dir}/${program}" && ! -d "${dir}/${program}" ]]; then
      printf '%s\n' "${dir}/${program}"
      return 0
    fi
  done
  return 1
}

link_from_path() {
  local program nsqd_path
  declare -A found=()
  for program in "${PROGRAMS[@]}"; do
    found[${program}]="$(find_on_path "${program}")" || return 1
  done
  nsqd_path="${found[nsqd]}"
  if ! nsqd_is_pinned "${nsqd_path}"; then
    log "found ${nsqd_path} on PATH, but it is not v${NSQ_VERSION}; not using PATH"
    return 1
  fi
  mkdir -p "${BIN_DIR}"
  for program in "${PROGRAMS[@]}"; do
    ln -sfn "${found[${program}]}" "${BIN_DIR}/${program}"
    log "linked ${program} -> ${found[${program}]}"
  done
}

# Prints the first usable go binary: PATH, $GOROOT, the usual install locations, then the newest
# toolchain fetched with golang.org/dl (~/sdk/goX.Y.Z).
find_go() {
  local candidate
  local -a candidates=()
  if candidate="$(command -v go 2>/dev/null)"; then candidates+=("${candidate}"); fi
  if [[ -n "${GOROOT:-}" ]]; then candidates+=("${GOROOT}/bin/go"); fi
  candidates+=(/usr/local/go/bin/go "${HOME}/go/bin/go")
  # sort -V so that go1.22.10 wins over go1.22.9; the last line is the newest.
  if compgen -G "${HOME}/sdk/go*/bin/go" >/dev/null; then
    candidates+=("$(printf '%s\n' "${HOME}"/sdk/go*/bin/go | sort -V | tail -n 1)")
  fi
  for candidate in "${candidates[@]}"; do
    if [[ -x "${candidate}" ]] && "${candidate}" version >/dev/null 2>&1; then
      printf '%s\n' "${candidate}"
      return 0
    fi
  done
  return 1
}

build_with_go() {
  local go_bin="$1" package program
  local -a versioned=()
  for package in "${GO_PACKAGES[@]}"; do versioned+=("${package}@v${NSQ_VERSION}"); done

  log "building NSQ v${NSQ_VERSION} with $("${go_bin}" version) (first build takes about 30 s)"
  # A throwaway module: `go install pkg@version` is not used because it asks the module proxy for the
  # version list (deprecation check), which some proxies refuse, and it would ignore GO_SVC_REPLACE.
  mkdir -p "${BIN_DIR}"
  BUILD_DIR="$(mktemp -d "${NSQ_DIR}/build.XXXXXX")"
  # Old symlinks from the PATH step must not be written through by `go install`.
  for program in "${PROGRAMS[@]}"; do rm -f "${BIN_DIR}/${program}"; done

  (
    cd "${BUILD_DIR}"
    # GOWORK=off: a go.work further up must not pull this module into someone else's workspace.
    export GO111MODULE=on GOWORK=off GOBIN="${BIN_DIR}"
    "${go_bin}" mod init nsqbuild >/dev/null 2>&1
    "${go_bin}" mod edit -replace "${GO_SVC_REPLACE}"
    log "resolving modules"
    for package in "${versioned[@]}"; do
      "${go_bin}" get "${package}"
    done
    log "compiling ${PROGRAMS[*]}"
    "${go_bin}" install "${GO_PACKAGES[@]}"
  )
}

main() {
  if installed_in_bin_dir; then
    log "NSQ v${NSQ_VERSION} already installed in ${BIN_DIR}; nothing to do"
    return 0
  fi

  if link_from_path; then
    log "using NSQ v${NSQ_VERSION} from PATH"
  else
    local go_bin
    if ! go_bin="$(find_go)"; then
      fail "$(cat <<EOF
cannot provide NSQ v${NSQ_VERSION}: its programs (${PROGRAMS[*]}) are not all on PATH and no Go toolchain was found.
Either:
  - install Go (https://go.dev/dl/) and run this script again: it builds NSQ into .nsq/bin;
  - or download the NSQ v${NSQ_VERSION} release archive for your platform from the NSQ project
    (https://nsq.io/deployment/installing.html), unpack it, put its bin/ directory on PATH and run this script again;
  - or, for running the services by hand, start NSQ with the repository's docker-compose.yml (docker compose up).
EOF
)"
    fi
    build_with_go "${go_bin}"
  fi

  installed_in_bin_dir || fail "installation finished but ${BIN_DIR} does not hold all of: ${PROGRAMS[*]} at v${NSQ_VERSION}"
  log "ready: $("${BIN_DIR}/nsqd" --version)"
}

main "$@"
