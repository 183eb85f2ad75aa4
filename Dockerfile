# One image, three entry points: healthcheck-exporter, alert-receiver, reporter.
#   docker build -t registry.example.com/bravo-monitoring-pack:0.1.0 .
# Reproducible: the base image is pinned by digest, and every third-party package is the exact
# version in requirements.lock, each file checked against its sha256 (`--require-hashes`),
# wheels only, so two builds of one commit ship the same code (README.md, "The image").
# The final stage has no compiler, runs as a non-root user and works with a read-only root
# filesystem (writable paths are mounted volumes: see k8s/).
# Base: python:3.11-slim-bookworm (Python 3.11.16, setuptools 79.0.1, wheel 0.46.3) by the digest
# of its multi-arch index, in both stages; k8s/README.md says how to move it on.

FROM python:3.11-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b AS build
WORKDIR /src
COPY requirements.lock ./
RUN pip download --no-cache-dir --no-deps --require-hashes --only-binary=:all: \
      --dest /wheels -r requirements.lock \
 && cp requirements.lock /wheels/
COPY setup.cfg pyproject.toml README.md ./
COPY exporter exporter
COPY rules rules
COPY alert_receiver alert_receiver
COPY reporter reporter
COPY integrations integrations
COPY runtime runtime
# Our own code, built with the base image's setuptools and wheel (pinned by its digest).
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --no-index --wheel-dir /wheels .

FROM python:3.11-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b
# fonts-nanum: the reports' Korean text is embedded from NanumGothic; tzdata for Asia/Seoul.
# Debian packages are not pinned to versions: bookworm's security updates replace them.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-nanum tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=build /wheels /wheels
# Dependencies exactly as locked (hash-checked again), then the pack itself, which adds none.
RUN pip install --no-cache-dir --no-index --find-links /wheels --require-hashes \
      -r /wheels/requirements.lock \
 && pip install --no-cache-dir --no-index --no-deps /wheels/bravo_monitoring_pack-*.whl \
 && pip check \
 && rm -rf /wheels
# HOME on /tmp: the pods mount an emptyDir there, the root filesystem is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp
USER 10001:10001
WORKDIR /tmp
EXPOSE 9877 8080
# Kubernetes probes each workload on its own port (k8s/); Docker's HEALTHCHECK is not used.
HEALTHCHECK NONE
ENTRYPOINT ["healthcheck-exporter"]
CMD ["--help"]
