# syntax=docker/dockerfile:1
# Build: compile the service (src + plugins) with the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY plugins ./plugins
RUN npx tsc -p tsconfig.json

# Production dependencies only, shared by the service and the simulator images.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The tools build: the Genesys simulator for the compose stack, compiled on its own.
FROM build AS build-tools
COPY tsconfig.tools.json ./
COPY tools ./tools
RUN npx tsc -p tsconfig.tools.json

# `docker build --target simulator`: the Genesys simulator alone (compose's stand-in for Genesys Cloud).
FROM runtime AS simulator
ENV SIMULATOR_HOST=0.0.0.0 SIMULATOR_PORT=4010
COPY --from=build-tools /app/dist-tools/tools/simulator ./tools/simulator
USER node
EXPOSE 4010
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SIMULATOR_PORT||4010)+'/__sim/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "tools/simulator/cli.js"]

# The service (default target): production dependencies and the compiled service only, as the node user.
FROM runtime
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/plugins/server.js"]
