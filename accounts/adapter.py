from typing import NamedTuple
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal import ratelimit


class PortalSite(NamedTuple):
    """What allauth's templates call the current site: the portal, at SITE_URL."""

    name: str
    domain: str


def on_site_url(url):
    """The same link on SITE_URL: email links never trust the request's Host header."""
    parts = urlsplit(url)
    return settings.SITE_URL + parts.path + (f"?{parts.query}" if parts.query else "")


def recipient_language(email):
    """The language of the account an address belongs to, else the current one."""
    from django.db.models import Q

    from .models import User

    owners = User.objects.filter(
        Q(email__iexact=email) | Q(emailaddress__email__iexact=email, emailaddress__verified=True)
    )
    language = owners.values_list("language", flat=True).first()
    return language or translation.get_language() or settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Staff work in the back office; customers start on their dashboard."""
        if request.user.is_authenticated and request.user.is_staff:
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def is_open_for_signup(self, request):
        """SIGNUP_MODE "invitation": only someone who followed a valid invitation signs up."""
        if settings.SIGNUP_MODE == "invitation":
            from .invitations import SESSION_KEY, invitation_from_token

            token = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
            return bool(token and invitation_from_token(token))
        return super().is_open_for_signup(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The sign-in lockout counts per address only. allauth adds the request's host,
        port included, so every node reached directly (or every name in ALLOWED_HOSTS)
        allowed another five wrong passwords."""
        login = credentials.get("email", credentials.get("username", ""))
        return f"login:{login.lower()}"

    def save_user(self, request, user, form, commit=True):
        """New people start in the language they signed up in."""
        user = super().save_user(request, user, form, commit=False)
        user.language = translation.get_language() or settings.LANGUAGE_CODE
        if commit:
            user.save()
        return user

    def get_from_email(self):
        return settings.DEFAULT_FROM_EMAIL

    def get_email_confirmation_url(self, request, emailconfirmation):
        return on_site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key):
        return on_site_url(super().get_reset_password_from_key_url(key))

    def send_mail(self, template_prefix, email, context):
        """allauth's emails as the portal's: its name, links on SITE_URL, an HTML part.

        Written in the language of the person the address belongs to (the one who asked, for
        an address nobody has), queued in the outbox like every email.
        """
        with translation.override(recipient_language(email)):
            self._send_mail(template_prefix, email, context)

    def _send_mail(self, template_prefix, email, context):
        if "signup_url" in context:
            context["signup_url"] = on_site_url(context["signup_url"])
        context = {
            "email": email,
            **context,
            "current_site": PortalSite(settings.SITE_NAME, urlsplit(settings.SITE_URL).netloc),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        message = self.render_mail(template_prefix, email, context)
        if isinstance(message, EmailMultiAlternatives) and not message.alternatives:
            html = render_to_string(
                "emails/allauth_message.html",
                {**context, "text": message.body, "LANGUAGE_CODE": translation.get_language()},
            )
            message.attach_alternative(html, "text/html")
        message.send()

    def validation_error(self, code, *args):
        """allauth's limits show as a form error: the page is then answered with 429."""
        if code in ratelimit.ALLAUTH_LIMIT_CODES and context.request is not None:
            ratelimit.mark_limited(context.request)
        return super().validation_error(code, *args)


class MFAAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self):
        """Passkeys belong to the portal's own address (SITE_URL), never to a Host header.

        Browsers accept them on https, and on http://localhost for development.
        """
        return {"id": urlsplit(settings.SITE_URL).hostname, "name": settings.SITE_NAME}
