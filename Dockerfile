# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gdal-bin libsqlite3-mod-spatialite libsqlite3-dev gcc libc6-dev gettext \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 kiezlabor
WORKDIR /app

COPY pyproject.toml README.md ./
COPY kiezlabor ./kiezlabor
COPY deployments ./deployments
COPY participation ./participation
COPY analysis ./analysis
COPY reports ./reports
RUN pip install --no-binary pysqlite3 . gunicorn

COPY . .
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only-not-secret DJANGO_ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && if [ -n "$(find . -name '*.po' -print -quit)" ]; then python manage.py compilemessages; fi \
    && mkdir -p /app/var/media && chown -R kiezlabor /app/var

USER kiezlabor
EXPOSE 8000
# Workers, bind address and backlog: kiezlabor/gunicorn_conf.py, as in the benchmark.
CMD ["gunicorn", "kiezlabor.wsgi", "--config", "python:kiezlabor.gunicorn_conf", "--access-logfile", "-"]
