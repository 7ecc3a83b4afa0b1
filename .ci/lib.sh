# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared by the .ci scripts (sourced, not run).

# hpo_ensure_packages PKG...: apt-get install whatever of PKG... is not installed yet. A machine
# that has them all never touches the network; otherwise `apt-get update` runs once per process
# tree (a fresh Debian image has no package lists at all).
hpo_ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "hpo: not a Debian-like system; make sure these are installed: $*" >&2
    return 0
  fi
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "hpo: missing packages (${missing[*]}) and not root: install them first" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "hpo: installing ${missing[*]}"
  if [ -z "${HPO_APT_UPDATED:-}" ]; then
    "${sudo[@]}" apt-get update -q
    export HPO_APT_UPDATED=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# hpo_jobs: parallelism for builds and ctest.
hpo_jobs() {
  nproc 2>/dev/null || echo 2
}
