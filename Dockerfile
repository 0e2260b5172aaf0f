# berth's own image: the Probot app, compiled, production dependencies only, on Node's current
# LTS line (package.json's `engines` keeps Node 20.18+ working for development).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY handlers ./handlers
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim
# tini runs as PID 1: it passes ECS's SIGTERM on to node (which then drains its deploys, see
# handlers/shutdown.ts) and reaps any child process, which node as PID 1 would not.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY app.yml ./
COPY bin ./bin
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/handlers/main.js"]
