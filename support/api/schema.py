"""drf-spectacular hooks: only /api/v1/ is described, every operation lists its
problem+json errors, and bearer tokens are the security scheme."""

from http import HTTPStatus

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEMS = {
    "400": "Invalid input; `errors` points at each field.",
    "401": "No token, or a wrong, expired or revoked one (or a token in the query string).",
    "403": "The token lacks the scope this operation needs.",
    "404": "Not found, or not yours to see.",
    "405": "Method not allowed.",
    "409": "The ticket's state does not allow it, or an Idempotency-Key reused differently.",
    "413": "The request body is too large.",
    "415": "Unsupported content type.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}
EXAMPLE = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "The request has invalid fields.",
    "code": "invalid",
    "instance": "/api/v1/tickets/",
    "errors": [{"pointer": "#/subject", "detail": "This field is required.", "code": "required"}],
}


def example(status):
    if status == 400:
        return EXAMPLE
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": PROBLEMS[str(status)],
        "code": HTTPStatus(status).phrase.lower().replace(" ", "_"),
    }


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "support.apitokens.auth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from /accounts/api-tokens/ (or `manage.py create_api_token`).",
        }


def only_the_api(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def add_problem_responses(result, generator, **kwargs):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "405", "429"]
            if "{" in path:
                codes.append("404")
            if method in ("post", "put", "patch"):
                codes += ["409", "413", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": PROBLEMS[code],
                        "content": {
                            "application/problem+json": {
                                "schema": reference,
                                "examples": {"Problem": {"value": example(int(code))}},
                            }
                        },
                    },
                )
    return result
