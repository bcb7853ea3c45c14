"""Sign-up, password reset and adding an address say nothing about who has an account.

The same status, the same page and the same time (±50 ms) whether or not the address is
known; what differs goes by email to the address itself. The tests run with the production
password hasher (the test settings keep Django's default PBKDF2), so the time the real code
paths take is what is compared.

Time is the CPU time each request takes in this process (the test client runs the whole
request here), seven requests of each kind taken in turns. On a shared, loaded machine
wall-clock times swing by hundreds of milliseconds from one request to the next, and even
CPU times by tens; a busy machine only ever adds to them. So the figure compared is the
fastest request of each kind — the work the code path does — and the medians of both kinds
must not differ by more than twice the tolerance either (both are shown when it fails).
When a first set of rounds differs, more rounds are taken (up to three sets) and all of them
compared: noise fades with more samples, a real difference in the code path does not.
"""

import re
import statistics
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.core.cache import cache

from accounts.models import User
from conftest import PASSWORD, make_user

ROUNDS = 7
MAX_SETS = 3
TOLERANCE = 0.050


@pytest.fixture
def known(db):
    """Chen already has an account; she reads the portal in Chinese."""
    return make_user("chen@example.org", full_name="Chen Wei", language="zh-hans")


def signup_data(email):
    return {
        "email": email,
        "full_name": "Mallory Prober",
        "company": "Probe Ltd",
        "time_zone": "UTC",
        "password1": "correct-Horse-battery-9",
        "password2": "correct-Horse-battery-9",
    }


def page_text(client, path, *addresses):
    """The page at path as anyone would compare it: without nonces, tokens or the address."""
    page = client.get(path).content.decode()
    page = re.sub(r'(nonce|value)="[^"]*"', "", page)
    for address in addresses:
        page = page.replace(address, "ADDRESS")
    return page


def timed(client, path, data):
    cache.clear()  # rate limits are not what is measured
    started = time.process_time()
    response = client.post(path, data)
    return time.process_time() - started, response


def compare(make_request):
    """Time known and unknown requests taken in turns, until they agree or three sets ran.

    Returns the answers of each kind once the times are asserted the same.
    """
    make_request("known", 0)  # warm up both paths (imports, templates, connections)
    make_request("unknown", 0)
    times = {"known": [], "unknown": []}
    answers = {"known": [], "unknown": []}
    number = 0
    while True:
        for _ in range(ROUNDS):
            number += 1
            for kind in ("known", "unknown") if number % 2 else ("unknown", "known"):
                seconds, response = make_request(kind, number)
                times[kind].append(seconds)
                answers[kind].append(response)
        if time_difference(times) is None or number >= MAX_SETS * ROUNDS:
            break
    assert time_difference(times) is None, time_difference(times)
    return answers


def time_difference(times):
    """None when fastest and median requests of both kinds agree, else the figures."""
    fastest = {kind: min(values) for kind, values in times.items()}
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    if (
        abs(fastest["known"] - fastest["unknown"]) <= TOLERANCE
        and abs(medians["known"] - medians["unknown"]) <= 2 * TOLERANCE
    ):
        return None
    return {"fastest": fastest, "medians": medians, "rounds": len(times["known"])}


def same_answer(answers):
    """Every answer, known or not, has one status, one redirect and one page."""
    shapes = {
        (response.status_code, response.get("Location"), response.content)
        for kind in answers
        for response in answers[kind]
    }
    assert len(shapes) == 1, shapes
    return shapes.pop()


def test_the_tests_hash_passwords_as_production_does():
    assert get_hasher().algorithm == "pbkdf2_sha256"
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def test_sign_up_with_a_known_address_answers_as_with_a_new_one(client, known, send_queued_mail):
    def sign_up(kind, number):
        email = known.email if kind == "known" else f"new{number}@example.org"
        client.logout()
        return timed(client, "/accounts/signup/", signup_data(email))

    answers = compare(sign_up)
    status, location, _page = same_answer(answers)
    assert (status, location) == (302, "/accounts/confirm-email/")

    assert User.objects.filter(email=known.email).count() == 1

    def page_after_sign_up(email):
        # Whichever kind the comparison ended on has used its rate limit; clear both alike.
        cache.clear()
        client.logout()
        client.post("/accounts/signup/", signup_data(email))
        return page_text(client, location, email)

    after_known = page_after_sign_up(known.email)
    after_new = page_after_sign_up("another@example.org")
    assert after_known == after_new

    delivered = send_queued_mail()
    to_known = [message for message in delivered if message.to == [known.email]]
    assert len(to_known) == len(answers["known"]) + 2  # with the warm-up and the one above
    notice = to_known[0]
    assert "账户" in notice.subject or "帐户" in notice.subject  # in Chen's language
    assert "/accounts/password/reset/" in notice.body
    assert "confirm-email" not in notice.body
    to_new = [message for message in delivered if message.to == ["new1@example.org"]]
    assert len(to_new) == 1 and "/accounts/confirm-email/" in to_new[0].body


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(
    client, known, send_queued_mail
):
    def reset(kind, number):
        email = known.email if kind == "known" else f"nobody{number}@example.org"
        return timed(client, "/accounts/password/reset/", {"email": email})

    answers = compare(reset)
    status, location, _page = same_answer(answers)
    assert (status, location) == (302, "/accounts/password/reset/done/")

    delivered = send_queued_mail()
    to_known = [message for message in delivered if message.to == [known.email]]
    assert len(to_known) == len(answers["known"]) + 1  # with the warm-up
    assert "/accounts/password/reset/key/" in to_known[0].body
    assert "密码" in to_known[0].subject  # in Chen's language
    to_nobody = [message for message in delivered if message.to == ["nobody1@example.org"]]
    assert len(to_nobody) == 1 and "/accounts/password/reset/key/" not in to_nobody[0].body


def test_adding_someone_elses_address_answers_as_adding_a_new_one(client, known, send_queued_mail):
    prober = make_user("prober@example.org")
    client.force_login(prober)

    def add(kind, number):
        email = known.email if kind == "known" else f"mine{number}@example.org"
        prober.emailaddress_set.exclude(email=prober.email).delete()
        return timed(client, "/accounts/email/", {"action_add": "", "email": email})

    answers = compare(add)
    shapes = {
        (response.status_code, response.get("Location"))
        for kind in answers
        for response in answers[kind]
    }
    assert shapes == {(302, "/accounts/email/")}

    page = client.get("/accounts/email/").content.decode()
    assert "already" not in page.lower()
    delivered = send_queued_mail()
    assert any(message.to == [known.email] for message in delivered)
    assert not known.emailaddress_set.filter(email=known.email, user=prober).exists()
    assert User.objects.get(email=known.email).check_password(PASSWORD)
