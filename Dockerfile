# ordergraph: a slim, non-root image of `ordergraph serve` (see "Containers" in README.md).
#
#   docker build -t ordergraph .
#   docker run --rm -e DATABASE_URL=postgresql+asyncpg://… ordergraph migrate
#   docker run -p 8000:8000 -e DATABASE_URL=… -e ORDERGRAPH_SECRET_KEY=… ordergraph
#
# The entrypoint is the `ordergraph` CLI, so any subcommand runs as `docker run IMAGE <command>`;
# the default command is `serve` on 0.0.0.0:8000 (HOST and PORT move it; the health check follows).
ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: build the wheel (package data: migrations, GraphiQL assets), install it in a venv
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python3 -m venv /opt/venv
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so a source change reuses this layer.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
print('\n'.join(p['build-system']['requires'] + p['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --requirement /tmp/requirements.txt
COPY README.md ./
COPY src ./src
# Installing the wheel, not the source tree, is what proves the package data is in the wheel.
RUN /opt/venv/bin/pip wheel --no-build-isolation --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-deps /wheels/ordergraph-*.whl \
    && /opt/venv/bin/pip check

# --- runtime: the same base, the venv, an unprivileged user; no compiler, no pip cache, no source
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ordergraph" \
      org.opencontainers.image.description="Headless GraphQL order-management backend" \
      org.opencontainers.image.licenses="MIT"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    ORDERGRAPH_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
RUN groupadd --gid 10001 ordergraph \
    && useradd --uid 10001 --gid ordergraph --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin ordergraph \
    && mkdir /app && chown ordergraph:ordergraph /app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Liveness from inside the container with what the slim image has: Python's urllib, no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["ordergraph"]
CMD ["serve"]
