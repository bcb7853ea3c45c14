from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from .models import OutboxMessage


class OutboxBackend(BaseEmailBackend):
    """EMAIL_BACKEND for the whole portal: stores each message in the outbox.

    Delivery happens in django-q2 (support.outbox.tasks), right after the
    surrounding transaction commits and again every minute for retries.
    """

    def send_messages(self, email_messages):
        rows = []
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            mime = message.message()
            rows.append(
                OutboxMessage(
                    sender=message.from_email,
                    recipients=recipients,
                    subject=str(message.subject)[:998],
                    message_id=mime.get("Message-ID", "")[:400],
                    raw=mime.as_bytes(linesep="\n"),
                )
            )
        OutboxMessage.objects.bulk_create(rows)
        if rows:
            transaction.on_commit(schedule_delivery)
        return len(rows)


def schedule_delivery():
    from django_q.tasks import async_task

    async_task("support.outbox.tasks.deliver_pending", task_name="deliver outbox")
