# The app image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app
COPY . .
# Compiled translations (.mo) are committed: no gettext tools needed in the image.
RUN pip install . \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --create-home --uid 1000 app \
    && mkdir -p /data/media \
    && chown -R app /data

USER app
EXPOSE 8000
CMD ["gunicorn", "servicedesk.wsgi:application", "--bind=0.0.0.0:8000", "--workers=2"]
