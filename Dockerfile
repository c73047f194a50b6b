# One image for the three services (and migrations). Node 24 runs the TypeScript sources directly.
# docker build -t honorarium-tracker . ; the service is chosen by the command (see docker-compose.yml).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY services/counter/package.json services/counter/
COPY services/notifier/package.json services/notifier/
COPY services/query-api/package.json services/query-api/
# Production dependencies only; the node@24 npm package is a devDependency and not needed here.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY shared ./shared
COPY services ./services
COPY scripts/start-service.sh scripts/dev-vapid-keys.ts ./scripts/
# The compose file's vapid volume: owned by node so the vapid-keys service can write it.
RUN mkdir -p /vapid && chown node:node /vapid
USER node
# Overridden per service in docker-compose.yml.
CMD ["bash", "scripts/start-service.sh", "query-api"]
