# Codewalkers: the app (webhook server, processor, outbox worker, reconciler, runner) in one
# process. Build: docker build -t codewalkers .   Run: see README.md, "Docker".
FROM node:20-bookworm-slim

# git: the runner's mirrors, worktrees and merges (git merge-tree --write-tree needs git >= 2.38;
# bookworm has 2.39). ca-certificates: https remotes. tini: PID 1 that reaps the orphaned
# processes agents leave behind.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Production dependencies only: tsx is one of them (the app runs its TypeScript through it).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json app.yml ./
COPY migrations ./migrations
COPY src ./src

# Data (PGlite, mirrors, worktrees, account homes) lives in a volume the app's user owns.
RUN mkdir -p /data/work && chown -R node:node /data
VOLUME /data

# The setup flow is for development: in a container the app needs APP_ID and its credentials.
ENV NODE_ENV=production \
    CW_DATA_DIR=/data \
    CW_WORKDIR=/data/work \
    PORT=3000

USER node
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# What `npm start` runs, without npm in between, so SIGTERM reaches the app and it stops cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts", "start"]
