# Codewalkers: the app (webhook server, processor, outbox worker, reconciler, runner) in one
# process. Build: docker build -t codewalkers .   Run: see README.md, "Docker".
FROM node:20-bookworm-slim

# git: the runner's mirrors, worktrees and merges (git merge-tree --write-tree needs git >= 2.38;
# bookworm has 2.39). ca-certificates: https remotes. tini: PID 1 that reaps the orphaned
# processes agents leave behind. sudo: how the app (user `node`) runs each agent as a user of
# its own (README, "Security model").
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini sudo \
 && rm -rf /var/lib/apt/lists/*

# Agent containment without root: 16 agent users, each with a private group the app's user
# belongs to (so it can hand a worktree over and take it back), and a sudoers rule that lets
# `node` run commands as those users only, without a password. Keep CW_MAX_AGENTS <= 16.
# scripts/image-host.sh does the same on a host without Docker (how this mode is tested): keep
# the two alike.
RUN for i in $(seq 0 15); do \
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "cw-agent-$i" \
      && usermod --append --groups "cw-agent-$i" node; \
    done \
 && printf '%s\n' \
      'Defaults:node !lecture, !syslog, !requiretty' \
      "node ALL=($(seq -s, -f 'cw-agent-%g' 0 15)) NOPASSWD: ALL" \
      > /etc/sudoers.d/codewalkers \
 && chmod 0440 /etc/sudoers.d/codewalkers \
 && visudo -cf /etc/sudoers.d/codewalkers

# The agent CLIs, at the versions the adapters are tested against (package.json's
# devDependencies): on PATH for every agent user. Build with other --build-arg values to move.
ARG CLAUDE_CODE_VERSION=2.1.332
ARG CODEX_VERSION=0.171.0
RUN npm install -g --no-audit --no-fund "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" "@openai/codex@${CODEX_VERSION}" \
 && npm cache clean --force

WORKDIR /app

# Production dependencies only: tsx is one of them (the app runs its TypeScript through it).
# patches/: a fix to postgres.js that `npm ci` applies (postinstall: patch-package).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json app.yml ./
COPY migrations ./migrations
COPY src ./src

# Data (PGlite, mirrors, worktrees, account homes) lives in a volume the app's user owns.
RUN mkdir -p /data/work && chown -R node:node /data && chmod 0711 /data /data/work
VOLUME /data

# The setup flow is for development: in a container the app needs APP_ID and its credentials.
ENV NODE_ENV=production \
    CW_DATA_DIR=/data \
    CW_WORKDIR=/data/work \
    CW_AGENT_USERS=cw-agent-0,cw-agent-1,cw-agent-2,cw-agent-3,cw-agent-4,cw-agent-5,cw-agent-6,cw-agent-7,cw-agent-8,cw-agent-9,cw-agent-10,cw-agent-11,cw-agent-12,cw-agent-13,cw-agent-14,cw-agent-15 \
    PORT=3000

USER node
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# What `npm start` runs, without npm in between, so SIGTERM reaches the app and it stops cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts", "start"]
