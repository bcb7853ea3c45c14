"""Content-Security-Policy: one strict policy for every page, and the few documented exceptions.

The policy itself is CONTENT_SECURITY_POLICY in settings (django-csp). Pages that need
more get it here, by path, and only the directives they need:

- The back office (/admin/, staff only): its templates and django-unfold's write inline
  `<style>` and `style="…"`, so styles there allow 'unsafe-inline' (without a nonce: a
  nonce makes browsers ignore 'unsafe-inline'). With django-unfold, whose templates bind
  behaviour with Alpine.js attributes (`x-data="…"`, evaluated with `new Function`),
  scripts there also allow 'unsafe-eval'. Scripts still load only from this site: no
  inline `<script>` runs in the back office either, and images, frames, forms and
  connections keep the site-wide policy.
"""

from csp.constants import SELF, UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.apps import apps

ADMIN = {"style-src": [SELF, UNSAFE_INLINE]}
UNFOLD_ADMIN = {**ADMIN, "script-src": [SELF, UNSAFE_EVAL]}


def exceptions_for(path):
    if not path.startswith("/admin/"):
        return None
    return UNFOLD_ADMIN if apps.is_installed("unfold") else ADMIN


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        replace = exceptions_for(request.path)
        if replace is None:
            return parts
        return PolicyParts(
            parts.config, parts.update, {**(parts.replace or {}), **replace}, parts.nonce
        )
