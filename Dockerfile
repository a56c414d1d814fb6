# syntax=docker/dockerfile:1
# One image, one binary: `bitcraps serve gateway|engine|consensus`.
#   docker build -t bitcraps .
#   docker compose up        (see docker-compose.yml)

# --- builder: dependencies cached across builds (BuildKit cache mounts) ---
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY examples ./examples
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin bitcraps \
    && cp target/release/bitcraps /usr/local/bin/bitcraps

# --- runtime: small, non-root ---
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 bitcraps \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/bitcraps --shell /usr/sbin/nologin bitcraps \
    && mkdir -p /var/lib/bitcraps/keys/issuer \
    && chmod 0700 /var/lib/bitcraps/keys /var/lib/bitcraps/keys/issuer \
    && chown -R 10001:10001 /var/lib/bitcraps
COPY --from=builder /usr/local/bin/bitcraps /usr/local/bin/bitcraps
ENV BITCRAPS_STATE_DIR=/var/lib/bitcraps \
    BITCRAPS_LOG_FORMAT=json \
    GATEWAY_LISTEN_ADDR=0.0.0.0:8080
VOLUME /var/lib/bitcraps
WORKDIR /var/lib/bitcraps
USER 10001:10001
EXPOSE 8080 8081 8082 8090
# The default command is the gateway; compose and k8s set each service's own check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["bitcraps"]
CMD ["serve", "gateway"]
