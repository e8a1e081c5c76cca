# One image for every Backstop service; docker-compose.yml picks the service by its command.
FROM node:20-bookworm-slim
WORKDIR /app
# The console embeds a font with Chinese glyphs in evidence PDFs (CONSOLE_PDF_FONT names another).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-wqy-zenhei && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
COPY infra ./infra
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save tsx
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "services/ingest/src/index.ts"]
