"""A minimal Django project running django-helpdesk (PyPI) as the intake baseline: its REST API
creates tickets (POST /api/tickets/) for a staff user signed in with a DRF token, as CivicGrid's
intake is called with a bearer token. Production-like settings: DEBUG off, no e-mail sent (the
locmem backend), the database chosen by HELPDESK_DB_URL (sqlite path or postgres://)."""
import os
from urllib.parse import urlparse

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "benchmark-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGIN_URL = "/helpdesk/login/"

INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
HELPDESK_ACTIVATE_API_ENDPOINT = True

url = os.environ.get("HELPDESK_DB_URL", "sqlite:///" + os.path.join(BASE_DIR, "helpdesk.sqlite"))
if url.startswith("postgres"):
    u = urlparse(url)
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": u.path.lstrip("/"), "USER": u.username,
                             "PASSWORD": u.password, "HOST": u.hostname, "PORT": u.port, "CONN_MAX_AGE": 600}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:///") - 1:] if url.startswith("sqlite:////") else url[len("sqlite:///"):],
                             "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"}}}
HELPDESK_TEAMS_MODEL = "auth.Group"
HELPDESK_TEAMS_MIGRATION_DEPENDENCIES = [("auth", "0012_alter_user_first_name_max_length")]
