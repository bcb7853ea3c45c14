"""allauth's security-key forms with the key's name labelled in the reader's language."""

from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from allauth.mfa.webauthn.forms import EditWebAuthnForm as AllauthEditWebAuthnForm
from django.utils.translation import gettext_lazy as _

NAME_HELP = _("A name you will recognise it by, such as “Work laptop” or “YubiKey”.")


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
        self.fields["name"].help_text = NAME_HELP


class EditWebAuthnForm(AllauthEditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
        self.fields["name"].help_text = NAME_HELP
