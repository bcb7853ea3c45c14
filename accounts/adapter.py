from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """New people start in the language they signed up in."""
        user = super().save_user(request, user, form, commit=False)
        user.language = translation.get_language() or settings.LANGUAGE_CODE
        if commit:
            user.save()
        return user

    def get_from_email(self):
        return settings.DEFAULT_FROM_EMAIL
