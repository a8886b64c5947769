# Switchyard in a container: built with the official Swift image, run from a slim Ubuntu with a self-contained
# binary (the Swift runtime linked in statically), as a non-root user.
#   docker build -t switchyard .
#   docker run -p 3128:3128 switchyard                      # forward proxy (public destinations only)
# Mount your own config at /etc/switchyard/switchyard.yaml; `docker compose up` starts a reverse-proxy demo.

FROM swift:6.3-noble AS build
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
RUN swift build -c release --product switchyard --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/switchyard" /out/switchyard \
    && strip /out/switchyard

FROM ubuntu:noble
# curl only serves the HEALTHCHECK; the distribution's current security release is wanted, not a pinned one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin switchyard
COPY --from=build /out/switchyard /usr/local/bin/switchyard
COPY deploy/docker/switchyard.yaml /etc/switchyard/switchyard.yaml
USER 10001
# 3128 forward proxy, 8080 reverse proxy (in the compose demo), 9090 admin (loopback unless keys are set).
EXPOSE 3128 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9090/health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/switchyard"]
CMD ["--config", "/etc/switchyard/switchyard.yaml"]
