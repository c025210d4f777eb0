#!/bin/sh
# Makes a local stand-in for the Docker image's base, node:20-bookworm-slim, on a host that
# reaches Debian's packages but not Docker Hub (how the image was built and its containment tests
# run on the development machine: README, "Security model"). What it makes is what the Dockerfile
# relies on from the official image, and no more:
#   - Debian bookworm (debootstrap's minbase variant, from Debian's own mirror);
#   - this host's Node.js 20 as /usr/local/bin/node, with npm and npx (the official image's paths);
#   - the user and group `node` (uid and gid 1000), home /home/node;
#   - and this host's own extra CA certificates (/usr/local/share/ca-certificates), given to Node
#     as NODE_EXTRA_CA_CERTS: where the host reaches the npm registry through a TLS-inspecting
#     proxy, the image's `npm install` must trust it as the host's npm does.
# Then `docker build -t codewalkers .` uses it as it would the official image (no --pull).
#
# Usage (as root, with a Docker engine running):
#   sh scripts/offline-node-base.sh [rootfs-dir]
#   rootfs-dir  where to debootstrap (default /var/tmp/cw-node-base); kept, reused if it is there
set -eu

ROOTFS=${1:-/var/tmp/cw-node-base}
TAG=node:20-bookworm-slim
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { printf 'offline-node-base: %s\n' "$*"; }
fail() { printf 'offline-node-base: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run this as root (debootstrap and chroot need it)"
command -v docker >/dev/null 2>&1 || fail "docker is not installed"
docker info >/dev/null 2>&1 || fail "no Docker engine answers (start dockerd first)"
command -v debootstrap >/dev/null 2>&1 || fail "debootstrap is not installed (apt-get install debootstrap)"
NODE=$(command -v node) || fail "node is not installed on this host"
case "$("$NODE" --version)" in v20.*) ;; *) fail "this host's node is $("$NODE" --version), not 20 (the image's)" ;; esac
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$NPM_DIR/package.json" ] || fail "npm's folder not found (looked at $NPM_DIR)"

if [ -x "$ROOTFS/bin/sh" ]; then
  say "reusing the Debian tree at $ROOTFS"
else
  say "debootstrap bookworm (minbase) into $ROOTFS from $MIRROR"
  debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR"
fi

say "Node.js $("$NODE" --version) and npm $(npm --version) into /usr/local"
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib/node_modules"
cp "$NODE" "$ROOTFS/usr/local/bin/node"
rm -rf "$ROOTFS/usr/local/lib/node_modules/npm"
cp -R "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
# node needs libstdc++, which minbase may leave out.
chroot "$ROOTFS" /usr/local/bin/node --version >/dev/null 2>&1 || {
  say "installing libstdc++6 in the tree"
  chroot "$ROOTFS" apt-get install -y --no-install-recommends libstdc++6
}
chroot "$ROOTFS" /usr/local/bin/node --version >/dev/null || fail "node does not run in the tree"

if ! chroot "$ROOTFS" id -u node >/dev/null 2>&1; then
  say "adding the user node (1000:1000)"
  chroot "$ROOTFS" groupadd --gid 1000 node
  chroot "$ROOTFS" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
fi
EXTRA_CA=""
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  say "this host's extra CA certificates into the tree ($(ls /usr/local/share/ca-certificates/*.crt | wc -l) files)"
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cat /usr/local/share/ca-certificates/*.crt > "$ROOTFS/usr/local/share/ca-certificates/host-extra.crt"
  EXTRA_CA=/usr/local/share/ca-certificates/host-extra.crt
fi
rm -rf "$ROOTFS/var/lib/apt/lists/"* "$ROOTFS/var/cache/apt/archives/"*.deb

say "importing the tree as $TAG"
tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  ${EXTRA_CA:+--change "ENV NODE_EXTRA_CA_CERTS=$EXTRA_CA"} \
  --change 'CMD ["node"]' - "$TAG"
say "done: $(docker run --rm "$TAG" node --version) in $TAG"
