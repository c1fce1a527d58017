import pytest

from .factories import user_with_role


@pytest.fixture
def operator(django_user_model):
    return user_with_role(django_user_model, "olga", "operator")


@pytest.fixture
def admin_user(django_user_model):
    return user_with_role(django_user_model, "anton", "admin")


@pytest.fixture
def operator_client(client, operator):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(operator)
    return client


@pytest.fixture
def admin_role_client(client, admin_user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(admin_user)
    return client
