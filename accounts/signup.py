"""Sign-up that says nothing about who already has an account."""

import secrets

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.db import transaction


class Rehearsal(Exception):
    """Raised to take back a rehearsed sign-up."""


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form; a known address costs what a new account costs.

    With an address that already has an account allauth creates nothing and emails its
    owner instead, which took a twentieth of the time of creating an account (hashing the
    new password most of all): the answer's speed told who is registered. For a known
    address the account is created all the same, with a stand-in address, and taken back:
    the same password hashing and the same writes, none of them kept.
    """

    def try_save(self, request):
        if self.account_already_exists:
            self.rehearse(request)
        return super().try_save(request)

    def rehearse(self, request):
        email = self.cleaned_data["email"]
        self.cleaned_data["email"] = f"{secrets.token_hex(12)}@signup.invalid"
        self.account_already_exists = False
        try:
            with transaction.atomic():
                self.save(request)
                raise Rehearsal
        except Rehearsal:
            pass
        finally:
            self.cleaned_data["email"] = email
            self.account_already_exists = True
