#!/bin/sh
# Makes this host look like the Docker image for agent containment's `sudo` mode, without
# Docker: sudo installed, a non-root app user standing in for the image's `node`, the agent users
# cw-agent-0..N-1 each with a private group the app user belongs to, and the image's sudoers rule
# (Dockerfile, the "Agent containment without root" step) for that app user. Then the runner,
# started as the app user, contains agents as it does in the image (README, "Security model").
#
# Usage (as root):  sh scripts/image-host.sh [app-user] [agent-users]
#   app-user     default cwapp (made with a home of its own if missing)
#   agent-users  default 16, as in the image (cw-agent-0 .. cw-agent-15)
# Idempotent: what exists already is kept; the sudoers file is rewritten and checked with visudo.
#
# The test suite in that mode, as the app user, from a copy of the checkout it owns:
#   CW_TEST_AGENT_USERS=cw-agent-0,...,cw-agent-15 npx vitest run --no-file-parallelism <files>
# (test/support/github-app.ts `testAgentUsers`; one file at a time, since every test file then
# shares these users and a runner kills whatever its users run.)
set -eu

APP_USER=${1:-cwapp}
COUNT=${2:-16}

say() { printf 'image-host: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "image-host: run this as root (it adds users, groups and a sudoers rule)" >&2
  exit 1
fi
case "$COUNT" in '' | *[!0-9]*) echo "image-host: the number of agent users must be a number" >&2; exit 1 ;; esac
if [ "$COUNT" -lt 1 ]; then echo "image-host: at least one agent user" >&2; exit 1; fi

if command -v sudo >/dev/null 2>&1 && command -v visudo >/dev/null 2>&1; then
  say "sudo is installed ($(sudo -V | head -n 1))"
else
  say "installing sudo (apt-get), as the image does"
  apt-get install -y --no-install-recommends sudo || { apt-get update && apt-get install -y --no-install-recommends sudo; }
fi

if id -u "$APP_USER" >/dev/null 2>&1; then
  say "app user $APP_USER exists (uid $(id -u "$APP_USER"))"
else
  say "adding the app user $APP_USER (stands in for the image's node), with a home"
  useradd --create-home --shell /bin/bash --user-group "$APP_USER"
fi

last=$((COUNT - 1))
i=0
users=""
while [ "$i" -le "$last" ]; do
  user="cw-agent-$i"
  # As the Dockerfile does: a system user with a private group of its own, no home, no login.
  if id -u "$user" >/dev/null 2>&1; then
    :
  else
    say "adding $user"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$user"
  fi
  # The app user is in every agent's private group: how it hands a worktree over (2770) and takes it back.
  if ! id -nG "$APP_USER" | tr ' ' '\n' | grep -qx "$user"; then
    say "adding $APP_USER to the group $user"
    usermod --append --groups "$user" "$APP_USER"
  fi
  users="${users:+$users,}$user"
  i=$((i + 1))
done
say "agent users: $users"

# The image's rule, for this app user: run anything as the agent users (never as root), no password.
rule=/etc/sudoers.d/codewalkers
tmp=$(mktemp)
printf '%s\n' \
  "Defaults:$APP_USER !lecture, !syslog, !requiretty" \
  "$APP_USER ALL=($users) NOPASSWD: ALL" >"$tmp"
visudo -cf "$tmp" >/dev/null
install -m 0440 -o root -g root "$tmp" "$rule"
rm -f "$tmp"
say "wrote $rule (checked with visudo)"

# What the runner checks at boot, as the app user: sudo to the first and the last agent user.
for user in cw-agent-0 "cw-agent-$last"; do
  su -s /bin/sh -c "sudo -n -u $user -- true" "$APP_USER" || { echo "image-host: $APP_USER cannot sudo to $user" >&2; exit 1; }
done
say "$APP_USER may run commands as cw-agent-0 .. cw-agent-$last without a password"
say "start the runner as $APP_USER with CW_AGENT_USERS=$users"
