"""With no OpenID provider set, the sign-in page and its routes are as before."""

from __future__ import annotations


def test_without_a_provider_the_page_offers_passwords_only(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Sign in with" not in page and 'name="password"' in page
    assert app.test_client().get("/sso/login").status_code == 404
    assert app.test_client().get("/sso/callback?code=x&state=y").status_code == 404
