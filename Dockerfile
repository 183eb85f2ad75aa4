# One image, three entry points: healthcheck-exporter, alert-receiver, reporter.
#   docker build -t registry.example.com/bravo-monitoring-pack:0.1.0 .
# The build stage compiles wheels; the final stage has no compiler, runs as a non-root user and
# works with a read-only root filesystem (writable paths are mounted volumes: see k8s/).

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY exporter exporter
COPY rules rules
COPY alert_receiver alert_receiver
COPY reporter reporter
COPY integrations integrations
COPY runtime runtime
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# fonts-nanum: the reports' Korean text is embedded from NanumGothic; tzdata for Asia/Seoul.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-nanum tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels bravo-monitoring-pack \
 && rm -rf /wheels
# HOME on /tmp: the pods mount an emptyDir there, the root filesystem is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp
USER 10001:10001
WORKDIR /tmp
EXPOSE 9877 8080
ENTRYPOINT ["healthcheck-exporter"]
CMD ["--help"]
