# The Winnow image: the platform (`winnow serve`) and the Temporal worker (`winnow worker`) run from it.
# Debian (glibc), not Alpine: onnxruntime-node, sharp, better-sqlite3 and Temporal's core bridge ship glibc prebuilds.
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's postinstall would download the CUDA provider; the CPU binaries are in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY scripts/copy-assets.mjs scripts/copy-assets.mjs
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24.11.1-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production WINNOW_HOME=/data
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/web/dist ./web/dist
RUN ln -s /app/bin/winnow.js /usr/local/bin/winnow && mkdir -p /data /work && chown node:node /data /work
USER node
VOLUME ["/data", "/work"]
EXPOSE 7878
CMD ["winnow", "serve", "--host", "0.0.0.0", "--port", "7878"]
