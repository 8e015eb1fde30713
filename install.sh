#!/usr/bin/env bash
# Installs byok from this checkout under $PREFIX (default ~/.local): the binary, the shell
# completions and the man pages.
#   ./install.sh              build and install (again: it is safe to re-run)
#   PREFIX=/opt/byok ./install.sh
#   ./install.sh --uninstall  remove what this script installed
#
# Where things go:
#   $PREFIX/bin/byok
#   $PREFIX/share/bash-completion/completions/byok
#   $PREFIX/share/zsh/site-functions/_byok
#   $PREFIX/share/fish/vendor_completions.d/byok.fish
#   $PREFIX/share/byok/completions/byok.elv, _byok.ps1   (elvish, PowerShell: source them)
#   $PREFIX/share/man/man1/byok.1, byok-*.1
#
# BYOK_INSTALL_BINARY=/path/to/byok  install that already-built binary instead of building
#   one with cargo (the tests use it: a release build takes minutes).
#
# The completions and man pages are the checked-in completions/ and man/ (tested to match
# the CLI; regenerate them with: BYOK_REGENERATE=1 cargo test --test generated).
set -euo pipefail
PREFIX="${PREFIX:-$HOME/.local}"
binary="${BYOK_INSTALL_BINARY:-}"
# Relative paths mean the caller's directory, not the checkout this script moves to.
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac
case "$binary" in ""|/*) ;; *) binary="$PWD/$binary" ;; esac
cd "$(dirname "$0")"

case "${1:-}" in
  "") mode=install ;;
  --uninstall) mode=uninstall ;;
  -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

share="$PREFIX/share"
# source in this checkout | destination directory | installed name
completions=(
  "completions/byok.bash|$share/bash-completion/completions|byok"
  "completions/_byok|$share/zsh/site-functions|_byok"
  "completions/byok.fish|$share/fish/vendor_completions.d|byok.fish"
  "completions/byok.elv|$share/byok/completions|byok.elv"
  "completions/_byok.ps1|$share/byok/completions|_byok.ps1"
)
man1="$share/man/man1"
# Directories this script may create, deepest first: --uninstall removes the empty ones.
dirs=(
  "$share/bash-completion/completions" "$share/bash-completion"
  "$share/zsh/site-functions" "$share/zsh"
  "$share/fish/vendor_completions.d" "$share/fish"
  "$share/byok/completions" "$share/byok"
  "$man1" "$share/man"
  "$share"
  "$PREFIX/bin"
)

if [ "$mode" = uninstall ]; then
  rm -f "$PREFIX/bin/byok"
  for entry in "${completions[@]}"; do
    IFS='|' read -r _ dir name <<<"$entry"
    rm -f "$dir/$name"
  done
  # Every byok page, including those of subcommands a newer or older byok had.
  rm -f "$man1/byok.1" "$man1"/byok-*.1
  for dir in "${dirs[@]}"; do
    rmdir "$dir" 2>/dev/null || true   # only if nothing else lives there
  done
  echo "byok removed from $PREFIX"
  exit 0
fi

if [ -n "$binary" ]; then
  echo "installing $binary into $PREFIX/bin …"
  install -d "$PREFIX/bin"
  install -m 0755 "$binary" "$PREFIX/bin/byok"
else
  if ! command -v cargo >/dev/null 2>&1; then
    cat >&2 <<'MSG'
install.sh: cargo was not found.
byok is built from source with Rust's cargo. Install a Rust toolchain with rustup
(see the Rust project's install page), open a new shell so cargo is on PATH, and run
./install.sh again.
MSG
    exit 1
  fi
  echo "building byok (release) and installing it into $PREFIX/bin …"
  # --no-track: no cargo bookkeeping files in $PREFIX, so --uninstall can leave nothing behind.
  cargo install --locked --quiet --force --no-track --path . --root "$PREFIX"
fi

for entry in "${completions[@]}"; do
  IFS='|' read -r src dir name <<<"$entry"
  install -d "$dir"
  install -m 0644 "$src" "$dir/$name"
done
install -d "$man1"
# Pages of subcommands that no longer exist go, so re-running after an upgrade is clean.
for page in "$man1"/byok-*.1; do
  if [ -e "$page" ] && [ ! -e "man/${page##*/}" ]; then rm -f "$page"; fi
done
install -m 0644 man/*.1 "$man1/"

echo "installed: $PREFIX/bin/byok ($("$PREFIX/bin/byok" --version))"
echo "           completions (bash, zsh, fish under $share; elvish, PowerShell in $share/byok/completions)"
echo "           man pages in $man1 (man byok)"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "note: $PREFIX/bin is not on your PATH; add it, e.g. export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac
echo "next: byok key add openai     (or anthropic, gemini, …; the key is read without echo)"
