# syntax=docker/dockerfile:1
#
# One image for every production process:
#   web     (default)  gunicorn --bind 0.0.0.0:8000 wsgi:app
#   worker             portal worker   (rq worker --worker-class portal.worker.Worker --with-scheduler
#                                       --url $REDIS_URL documents email default bulk)
#   cron (exactly one) rq cron --url $REDIS_URL portal.cron
#   migrate (per release) portal db upgrade
# See docker-compose.yml for how they are wired together.

# --- Front-end assets: GOV.UK Frontend and htmx, built into portal/static, hashed into dist/ -
FROM node:22-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY assets ./assets
COPY portal/static/js ./portal/static/js
RUN npm run build

# --- The application -------------------------------------------------------------------------
FROM python:3.11-slim

# The portal finds templates/, migrations/ and portal/static/ next to the portal package
# (PROJECT_ROOT in portal/config.py), and the wheel built by `pip install .` holds only the
# Python modules. So the code runs from /app: PYTHONPATH puts /app/portal ahead of the
# installed copy, for gunicorn, rq and the `portal` command alike.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORTAL_ENV=production \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, in their own layer, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir portal && touch portal/__init__.py \
    && pip install . \
    && rm -rf portal build ./*.egg-info

# The code, templates, migrations and the built assets.
COPY . .
COPY --from=assets /build/portal/static/css ./portal/static/css
COPY --from=assets /build/portal/static/vendor ./portal/static/vendor
COPY --from=assets /build/portal/static/dist ./portal/static/dist
RUN pip install --no-deps --force-reinstall . \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q portal migrations wsgi.py

# Run as an unprivileged user; the code stays owned by root and read-only to it.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin portal
USER 10001:10001

EXPOSE 8000
# gunicorn reads WEB_CONCURRENCY (number of workers) and GUNICORN_CMD_ARGS from the environment.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "wsgi:app"]
