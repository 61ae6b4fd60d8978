# kafka-warden container image. Build: docker build -t kafka-warden .
# Run:   docker run -v $PWD/config:/etc/kafka-warden -p 19092:19092 -p 19100-19110:19100-19110 kafka-warden
#
# Stage 1 compiles TypeScript with the dev dependencies; stage 2 holds only the runtime
# dependencies and the compiled output, and runs as an unprivileged user.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
USER node
EXPOSE 19092 9404
# Liveness from the management endpoint (configure `management: { host: 0.0.0.0, port: 9404 }`).
ENV WARDEN_HEALTH_PORT=9404
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + process.env.WARDEN_HEALTH_PORT + '/healthz', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve", "--config", "/etc/kafka-warden/warden.yaml"]
