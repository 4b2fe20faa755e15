import pytest

from tuijin.core.accounts import create_account
from tuijin.core.roles import DirectoryRole
from tuijin.projects.tests.conftest import make_project
from tuijin.testing import PASSWORD, PersonFactory


@pytest.fixture
def heads(county):
    """城关镇's mayor (with an account), 河口镇's party secretary, the bureau's director."""
    mayor = PersonFactory(unit=county.township, title="镇长", roles=[DirectoryRole.UNIT_HEAD])
    create_account(mayor, "mayor", PASSWORD)
    other = PersonFactory(
        unit=county.other_township, title="党委书记", roles=[DirectoryRole.UNIT_HEAD]
    )
    director = PersonFactory(unit=county.department, title="局长", roles=[DirectoryRole.UNIT_HEAD])
    return {"mayor": mayor, "other": other, "director": director}


@pytest.fixture
def project(county):
    return make_project(county)
