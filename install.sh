#!/usr/bin/env bash
# Installs byok from this checkout: the binary into $PREFIX/bin (default ~/.local/bin).
#   ./install.sh              build and install (again: it is safe to re-run)
#   PREFIX=/opt/byok ./install.sh
#   ./install.sh --uninstall  remove what this script installed
set -euo pipefail
cd "$(dirname "$0")"
PREFIX="${PREFIX:-$HOME/.local}"

case "${1:-}" in
  "") mode=install ;;
  --uninstall) mode=uninstall ;;
  -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

if [ "$mode" = uninstall ]; then
  rm -f "$PREFIX/bin/byok"
  rmdir "$PREFIX/bin" 2>/dev/null || true   # only if nothing else lives there
  echo "byok removed from $PREFIX"
  exit 0
fi

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

echo "installed: $PREFIX/bin/byok ($("$PREFIX/bin/byok" --version))"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "note: $PREFIX/bin is not on your PATH; add it, e.g. export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac
echo "next: byok key add openai     (or anthropic, gemini, …; the key is read without echo)"
