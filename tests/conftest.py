import pytest
from django.test import Client


@pytest.fixture
def client() -> Client:
    # WeChat's servers send no cookies or CSRF tokens, and neither does this client.
    return Client(HTTP_HOST="localhost")
