"""KB votes and suggestions share the portal's one rate limit (portal/ratelimit.py)."""


def test_kb_votes_are_limited_with_429_and_retry_after(client, article, settings):
    settings.KB_VOTE_RATE_LIMIT = (3, 600)
    url = "/kb/dns-domains/pointing-a-domain/vote/"
    for _vote in range(3):
        assert client.post(url, {"helpful": "yes"}).status_code == 302
    response = client.post(url, {"helpful": "yes"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert "Too many requests" in response.text
    assert "try again in about" in response.text


def test_kb_suggestions_are_limited_with_a_json_429(client, article, settings):
    settings.KB_SUGGEST_RATE_LIMIT = (2, 60)
    for _query in range(2):
        assert client.get("/kb/suggest/", {"q": "domain"}).status_code == 200
    response = client.get("/kb/suggest/", {"q": "domain"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert response["Retry-After"]
    assert response.json()["retry_after"] >= 1
