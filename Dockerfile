# The server image: `cli.py run` as a non-root user (docs/operations.md). Not built on the
# machine this repository was developed on (it cannot pull images); written to work with
# `docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) -t fleet-admin .`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The lock pins every package with its hashes: pip refuses anything else (--require-hashes),
# and --no-deps because the lock already lists every dependency.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
RUN useradd --system --uid 10001 --no-create-home --home-dir /app fleet \
    && mkdir -p /app/data \
    && chown fleet /app/data

# /version reports it (the image has no .git).
ARG GIT_COMMIT=""
ENV GIT_COMMIT=${GIT_COMMIT} \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json

USER 10001
EXPOSE 8000 9464
# SIGTERM: stop accepting, finish requests in flight (SHUTDOWN_GRACE_SECONDS), exit 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# Migrates on start unless MIGRATE_ON_START=false (compose.yaml runs `cli.py migrate` once
# and starts the servers with MIGRATE_ON_START=false: they wait for the migration head).
CMD ["python", "cli.py", "run"]
