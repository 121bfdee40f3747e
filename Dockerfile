# One image for the API and the render worker (different commands), non-root.
# ffmpeg is the static build inside the pinned imageio-ffmpeg wheel: the one the tests and benchmarks run.
# Fonts come with the package (presets/fonts).
#   docker build -t reelforge .
#   docker run -p 8000:8000 -v reelforge:/data reelforge                 # embedded: API + workers
#   docker run -e REELFORGE_QUEUE_URL=redis://... ... reelforge                  # API only: enqueues on Redis
#   docker run -e REELFORGE_QUEUE_URL=redis://... ... reelforge reelforge worker -c 2  # a render worker
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 REELFORGE_HOME=/data

# OpenCV's wheel (MediaPipe needs it) links libGL and GLib; Pillow shapes complex scripts with
# libfribidi. Nothing else comes from Debian.
# Debian's stable packages get security fixes within their release: pinning exact versions would hold those back.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 libfribidi0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 reelforge \
 && mkdir -p /data && chown reelforge /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY editor ./editor
COPY audio ./audio
COPY api ./api
COPY cli ./cli
COPY presets ./presets
# This project with the server, S3 and Celery extras; its dependencies are pinned in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install ".[all]"

USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["reelforge", "serve", "--host", "0.0.0.0", "--port", "8000"]
