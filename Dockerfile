# syntax=docker/dockerfile:1
#
# tenant-guard container image: built with the full toolchain, run on a
# minimal base as a non-root numeric user: node and one bundled file.
#
#   docker build -t tenant-guard:0.1.0 .
#
# Node 24, not 20: the project targets Node 24 (package.json engines, and the
# pinned runtime in devDependencies), and Node 20 reached end of life in
# April 2026, so it no longer gets security fixes.

# ---- build: one bundled file ---------------------------------------------------
FROM node:24-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: bundling needs no install script (the pinned `node` dev
# dependency would otherwise download a second runtime; esbuild's binary
# comes as an optional dependency).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/cli-build-options.mjs ./scripts/
COPY src ./src
# The CLI and everything it imports (client-node, fastify, …) in one ES
# module: no node_modules in the image, and about a third less resident
# memory than running the compiled files (bench/README.md).
RUN node scripts/bundle.mjs --outfile /src/out/tenant-guard.mjs

# ---- runtime ------------------------------------------------------------------
# Distroless: node and its libraries, no shell, no package manager.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /src/out/tenant-guard.mjs ./tenant-guard.mjs
# IMAGE_ENV in scripts/cli-build-options.mjs (the MALLOC_ settings: why, there).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768
# The distroless "nonroot" user, numeric so runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8443
# node is PID 1: tenant-guard installs its own SIGTERM/SIGINT handlers (finish
# in-flight requests, then exit) and starts no child processes, so no init is
# needed. No HEALTHCHECK: Kubernetes probes /readyz and /healthz.
# --max-semi-space-size=8 --heap-growing-percent=20 --expose-gc: IMAGE_NODE_FLAGS in
# scripts/cli-build-options.mjs (resident memory; scripts/check-prod-install.sh runs the bundle so).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=8", "--heap-growing-percent=20", "--expose-gc", "/app/tenant-guard.mjs"]
CMD ["serve", "--config", "/etc/tenant-guard/config.yaml"]
