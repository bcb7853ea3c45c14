import re

import pytest
from django.core import mail

from support.status.models import Subscriber
from support.status.subscriptions import unsubscribe_token

CONFIRMED = "2026-01-01T00:00Z"


def confirm_link(message):
    return re.search(r"https://support\.example\.com(/status/subscribe/confirm/[^/\s]+/)",
                     message.body).group(1)  # fmt: skip


@pytest.mark.django_db
def test_double_opt_in(client, web, dns, send_queued_mail):
    form = {"email": "Ops@Example.com", "components": [web.pk]}
    response = client.post("/status/subscribe/", form)
    assert response.status_code == 302
    assert not Subscriber.objects.exists()  # nothing stored before confirmation
    [message] = send_queued_mail()
    assert message.to == ["ops@example.com"]
    link = confirm_link(message)

    page = client.get(link)  # a mail scanner opening the link
    assert page.status_code == 200
    assert "ops@example.com" in page.text
    assert not Subscriber.objects.exists()

    client.post(link)
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ops@example.com"
    assert subscriber.confirmed_at is not None
    assert list(subscriber.components.all()) == [web]
    client.post(link)  # confirming twice is harmless
    assert Subscriber.objects.count() == 1


@pytest.mark.django_db
def test_tampered_confirmation_token_is_refused(client, web, send_queued_mail):
    client.post("/status/subscribe/", {"email": "ops@example.com"})
    link = confirm_link(send_queued_mail()[0])
    tampered = link.replace(link[-6:-1], "AAAAA")
    assert client.post(tampered).status_code == 400
    assert client.get(tampered).status_code == 400
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_sign_up_in_the_visitors_language(client, web, send_queued_mail):
    client.cookies["django_language"] = "zh-hans"
    client.post("/status/subscribe/", {"email": "chen@example.com"})
    client.post(confirm_link(send_queued_mail()[0]))
    assert Subscriber.objects.get().language == "zh-hans"


@pytest.fixture
def subscriber(web):
    subscriber = Subscriber.objects.create(email="ops@example.com", confirmed_at=CONFIRMED)
    subscriber.components.set([web])
    return subscriber


@pytest.mark.django_db
def test_unsubscribe_get_only_shows_a_button_and_post_unsubscribes(client, subscriber):
    url = f"/status/unsubscribe/{unsubscribe_token(subscriber)}/"
    page = client.get(url)
    assert page.status_code == 200 and "ops@example.com" in page.text
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert client.post(url).status_code == 302
    assert not Subscriber.objects.exists()
    assert client.post(url).status_code == 400  # unknown now: nothing to do


@pytest.mark.django_db
def test_one_click_unsubscribe_without_csrf_token(subscriber):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = f"/status/unsubscribe/{unsubscribe_token(subscriber)}/"
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_tampered_or_foreign_unsubscribe_token_changes_nothing(client, subscriber):
    token = unsubscribe_token(subscriber)
    assert client.post(f"/status/unsubscribe/{token[:-3]}xyz/").status_code == 400
    other = Subscriber.objects.create(email="other@example.com", confirmed_at=CONFIRMED)
    other_token = unsubscribe_token(other)
    other.delete()
    Subscriber.objects.create(pk=other.pk, email="new@example.com", confirmed_at=CONFIRMED)
    assert client.post(f"/status/unsubscribe/{other_token}/").status_code == 400
    assert Subscriber.objects.count() == 2


@pytest.mark.django_db
def test_sign_ups_are_rate_limited_per_address_and_per_ip(client, web, send_queued_mail):
    for _attempt in range(5):
        assert client.post("/status/subscribe/", {"email": "a@example.com"}).status_code == 302
    assert client.post("/status/subscribe/", {"email": "a@example.com"}).status_code == 429
    for number in range(14):
        client.post("/status/subscribe/", {"email": f"b{number}@example.com"})
    response = client.post("/status/subscribe/", {"email": "c@example.com"})
    assert response.status_code == 429  # 20 per IP and hour
    other_ip = client.post(
        "/status/subscribe/", {"email": "c@example.com"}, REMOTE_ADDR="192.0.2.7"
    )
    assert other_ip.status_code == 302
    assert len(send_queued_mail()) == 20  # 5 + 14 + 1: refused attempts send nothing
    assert len(mail.outbox) == 20


@pytest.mark.django_db
def test_invalid_address_shows_the_form_again(client, web):
    response = client.post("/status/subscribe/", {"email": "not an address"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
