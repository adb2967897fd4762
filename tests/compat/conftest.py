import pytest


@pytest.fixture(params=["python", "njit"])
def kind(request):
    """Each compat case runs for a plain-Python f and for its @njit twin."""
    return request.param
