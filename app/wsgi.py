"""The WSGI entry point for production servers: `gunicorn app.wsgi:application`.

Settings come from the environment (MELDPUNT_ENV=production, DATABASE_URL,
MELDPUNT_SECRET_KEY, ...); in production `create_app` refuses to start when
they are unsafe.
"""

from app import create_app

application = create_app()
