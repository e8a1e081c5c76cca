# One image for every Backstop service; docker-compose.yml picks the service by its command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
COPY infra ./infra
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save tsx
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "services/ingest/src/index.ts"]
