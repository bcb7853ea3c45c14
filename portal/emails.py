"""Templated emails, written in the recipient's language and time zone.

Each email is three templates: <name>_subject.txt, <name>.txt and <name>.html
(the HTML one extends emails/base.html). Links inside use SITE_URL. The subject
and the text body are rendered without HTML escaping; only the HTML part escapes.
"""

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation


def render_email(template, context, language="en", time_zone="UTC"):
    """Return (subject, text, html) rendered in the given language and time zone."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    try:
        zone = zoneinfo.ZoneInfo(time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(zone):
        subject = " ".join(render_text(f"{template}_subject.txt", context).split())
        text = render_text(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return subject, text, html


def render_text(template_name, context):
    """A plain-text template rendered as text: no HTML escaping (a subject "Q&A <b>" stays so).

    Only the HTML part of an email is escaped; subjects and text bodies are never read as HTML.
    """
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def build_email(template, context, to, *, language="en", time_zone="UTC", headers=None, cc=None):
    """One email with its text and HTML parts, not sent yet (callers queue many together)."""
    subject, text, html = render_email(template, context, language, time_zone)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to] if isinstance(to, str) else list(to),
        cc=cc or [],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


def build_email_to_user(user, template, context, headers=None):
    """An email to a person, in their own language and time zone, not sent yet."""
    return build_email(
        template,
        {"recipient": user, **context},
        user.email,
        language=user.language,
        time_zone=user.time_zone,
        headers=headers,
    )


def send_email(template, context, to, *, language="en", time_zone="UTC", headers=None, cc=None):
    """Queue one email (through the outbox) and return the message."""
    message = build_email(
        template, context, to, language=language, time_zone=time_zone, headers=headers, cc=cc
    )
    message.send()
    return message


def send_email_to_user(user, template, context, headers=None):
    """Queue an email to a person, in their own language and time zone."""
    message = build_email_to_user(user, template, context, headers)
    message.send()
    return message
