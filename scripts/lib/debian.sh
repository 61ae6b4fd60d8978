# Sourced by the setup and build scripts: the one place that installs Debian packages.
#
#   need_debian_packages NAME PKG...   installs the PKGs that are not installed (as root, with
#                                      apt-get), or says which to install and exits 1; NAME
#                                      prefixes its messages (the calling script's name)

need_debian_packages() {
  local name="$1" p
  shift
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "$name: installing Debian packages: ${missing[*]}" >&2
    # The package lists are refreshed once per run of the outermost script.
    if [[ -z "${WARDEN_APT_UPDATED:-}" ]]; then
      apt-get update -qq >/dev/null
      export WARDEN_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "$name: missing Debian packages; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
}
