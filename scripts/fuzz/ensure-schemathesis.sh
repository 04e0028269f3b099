#!/usr/bin/env bash
# Installs schemathesis, pinned with all its dependencies (requirements.txt), into a versioned venv
# outside the clone: ~/.cache/tasknote-fuzz/<version>. Reused while requirements.txt is unchanged.
# Prints the path of the `st` command.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=$here/requirements.txt
version=$(sed -n 's/^schemathesis==//p' "$requirements")
[[ -n $version ]] || { echo "fuzz: $requirements pins no schemathesis version" >&2; exit 1; }
venv=${TASKNOTE_FUZZ_CACHE:-$HOME/.cache/tasknote-fuzz}/$version
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ ! -x $venv/bin/st || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  command -v python3 >/dev/null || { echo 'fuzz: python3 is required (apt-get install -y python3 python3-venv)' >&2; exit 1; }
  echo "fuzz: installing schemathesis $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2 || { echo 'fuzz: python3 -m venv failed (apt-get install -y python3-venv)' >&2; exit 1; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  echo "$want" >"$stamp"
fi
echo "$venv/bin/st"
