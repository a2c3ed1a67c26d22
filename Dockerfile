# VectorAdmin service and metrics consumer: one image, two commands (docker-compose.yml).
# Not built on the build machines (no Docker engine there); test/unit/docker-compose.test.ts
# checks this file by parsing it.
#
#   docker build -t vectoradmin .
#   docker run --rm vectoradmin                          # the gRPC service (CMD serve)
#   docker run --rm --entrypoint node vectoradmin dist/main-consumer.js   # the consumer

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: generate code from proto/, compile TypeScript, drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would generate code before the sources are here, and every
# native dependency (LanceDB, buf, esbuild) ships prebuilt as an optional platform package.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY buf.yaml buf.gen.yaml tsconfig.json ./
COPY proto ./proto
COPY src ./src
# `build` runs `buf generate` (the @bufbuild/buf npm package) and `tsc`.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: compiled code, production dependencies and the proto files ----
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX: glibc otherwise keeps an arena per LanceDB thread (docs/BENCHMARKS.md, Memory).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    VECTORADMIN_DATA_DIR=/var/lib/vectoradmin
WORKDIR /app
# Owned by root and read-only to the service user; only the data dir is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The contract for users of the image; reflection serves dist/gen/*.binpb, built from it.
COPY --from=build /app/proto ./proto
# Created here so a named volume mounted on it starts owned by the service user.
RUN mkdir -p /var/lib/vectoradmin && chown node:node /var/lib/vectoradmin
USER node
# gRPC; the consumer's dashboard and Prometheus scrape endpoint.
EXPOSE 50051 8090 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
