"""Creates the staff user, its API token and one queue; prints `token queue_id`."""
import os
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from helpdesk.models import Queue  # noqa: E402

User = get_user_model()
user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.org"})
token, _ = Token.objects.get_or_create(user=user)
queue, _ = Queue.objects.get_or_create(slug="hj", defaults={"title": "环境卫生"})
print(token.key, queue.id)
