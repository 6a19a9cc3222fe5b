# syntax=docker/dockerfile:1
#
# tenant-guard container image: built with the full toolchain, run on a
# minimal base as a non-root numeric user with production dependencies only.
#
#   docker build -t tenant-guard:0.1.0 .
#
# Node 24, not 20: the project targets Node 24 (package.json engines, and the
# pinned runtime in devDependencies), and Node 20 reached end of life in
# April 2026, so it no longer gets security fixes.

# ---- build: TypeScript → dist/ ------------------------------------------------
FROM node:24-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: compiling needs no install script (the pinned `node`
# dev dependency would otherwise download a second runtime).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# ---- deps: production dependencies only --------------------------------------
FROM node:24-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------
# Distroless: node and its libraries, no shell, no package manager.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
ENV NODE_ENV=production
# The distroless "nonroot" user, numeric so runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8443
# node is PID 1: tenant-guard installs its own SIGTERM/SIGINT handlers (finish
# in-flight requests, then exit) and starts no child processes, so no init is
# needed. No HEALTHCHECK: Kubernetes probes /readyz and /healthz.
ENTRYPOINT ["/nodejs/bin/node", "dist/cli/main.js"]
CMD ["serve", "--config", "/etc/tenant-guard/config.yaml"]
