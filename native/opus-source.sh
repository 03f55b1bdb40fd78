#!/usr/bin/env bash
# Prints the path of libopus 1.6.1's release tree, fetched by cargo from the crates.io crate
# opusic-sys 0.7.7 (BSD-3-Clause, Xiph) and checked against the crate's pinned sha256.
# Nothing of it is committed: the tree stays in cargo's registry cache.
set -euo pipefail

CRATE_VERSION=0.7.7
# sha256 of opusic-sys-0.7.7.crate as served by crates.io (cargo also checks the index's checksum).
CRATE_SHA256=986d749e9dc12035f11bf3ecc83a2a696ff7534d4143be9469a4a0faa25b9fd1

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# rustup's cargo (sparse registry protocol) is on PATH only in login shells; look there too.
PATH="$PATH:$cargo_home/bin"
command -v cargo >/dev/null || { echo "opus-source: cargo is missing (install Rust with rustup)" >&2; exit 1; }
manifest_dir="$(mktemp -d)"
trap 'rm -rf "$manifest_dir"' EXIT
mkdir -p "$manifest_dir/src"
cat >"$manifest_dir/Cargo.toml" <<TOML
[package]
name = "flexicodec-opus-fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
opusic-sys = "=$CRATE_VERSION"
TOML
echo 'fn main() {}' >"$manifest_dir/src/main.rs"
(cd "$manifest_dir" && cargo fetch -q) >&2

crate_file="$(ls "$cargo_home"/registry/cache/*/opusic-sys-$CRATE_VERSION.crate | head -1)"
echo "$CRATE_SHA256  $crate_file" | sha256sum -c --quiet - >&2 ||
  { echo "opus-source: $crate_file does not have the pinned sha256" >&2; exit 1; }
tree="$(ls -d "$cargo_home"/registry/src/*/opusic-sys-$CRATE_VERSION/opus | head -1)"
grep -q '^PACKAGE_VERSION="1.6.1"' "$tree/package_version" ||
  { echo "opus-source: $tree is not libopus 1.6.1" >&2; exit 1; }
echo "$tree"
