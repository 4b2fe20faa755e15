import pytest

from tuijin.testing import build_county


@pytest.fixture
def county(db):
    """清溪县 with one account per role (see tuijin.testing)."""
    return build_county()


@pytest.fixture
def other_county(db):
    """云岭县: a neighbouring county nobody in 清溪县 may see."""
    return build_county(code="339902", name="云岭县", prefix="yl-")


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the product's hasher (see test_auth); tests sign in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
