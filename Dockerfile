# The portal's production image: gunicorn serving the web app; the same image runs the
# django-q2 cluster (`python manage.py qcluster`). Configuration comes from the environment
# (README, "Configuration"); compose.yaml runs the whole stack.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/portal

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files collected (hashed, compressed) and translations compiled into the image.
RUN DEBUG=1 SECRET_KEY=image-build VAR_DIR=/tmp/build python manage.py collectstatic --no-input -v 0 \
    && rm -rf /tmp/build \
    && useradd --system --uid 10001 --home-dir /var/lib/portal --create-home portal

USER 10001

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost', 'X-Forwarded-Proto': 'https'}); sys.exit(0 if urllib.request.urlopen(r, timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", "--forwarded-allow-ips", "*"]
