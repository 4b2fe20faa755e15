"""The cockpit's figures are computed once per change of the data under them: a second view
costs a handful of queries, and no write — a save, a sweep, an import — leaves them stale."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core import sweeps
from tuijin.core.roles import Role
from tuijin.projects.models import Light, ProgressReport, Project
from tuijin.projects.tests.conftest import make_project


def red_count(client) -> int:
    response = client.get(reverse("cockpit:index"))
    assert response.status_code == 200
    return response.context["totals"]["lights"]["red"]


def test_second_view_reads_the_cache(county, client_for):
    make_project(county, name="甲项目", light=Light.RED)
    client = client_for(county.users[Role.PRINCIPAL])
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("cockpit:index"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("cockpit:index"))
    assert len(second) < len(first) - 5


def test_a_saved_change_shows_at_once(county, client_for):
    project = make_project(county, name="甲项目", light=Light.GREEN)
    client = client_for(county.users[Role.PRINCIPAL])
    assert red_count(client) == 0
    project.light = Light.RED
    project.save()
    assert red_count(client) == 1


def test_a_new_report_shows_in_the_year_completed(county, client_for):
    project = make_project(county, name="甲项目")
    client = client_for(county.users[Role.PRINCIPAL])
    before = client.get(reverse("cockpit:index")).context["totals"]["year_completed"]
    ProgressReport.objects.create(
        project=project,
        period=dt.date(dt.date.today().year, 1, 1),
        progress_text="按计划推进",
        invested=Decimal("1234"),
    )
    after = client.get(reverse("cockpit:index")).context["totals"]["year_completed"]
    assert after == before + Decimal("1234")


def test_a_bulk_write_by_the_sweep_shows_at_once(county, client_for):
    project = make_project(county, name="甲项目", light=Light.GREEN)
    client = client_for(county.users[Role.PRINCIPAL])
    assert red_count(client) == 0
    # A bulk update sends no signal; the sweep that ran it moves every stamp when it ends.
    Project.objects.filter(pk=project.pk).update(light=Light.RED)
    sweeps.run_all(dt.date.today())
    assert red_count(client) == Project.objects.filter(light=Light.RED).count()


def test_each_user_gets_the_figures_of_their_own_scope(county, other_county, client_for):
    make_project(county, name="甲项目", light=Light.RED)
    make_project(other_county, name="乙项目", light=Light.RED)
    make_project(other_county, name="丙项目", light=Light.RED)
    assert red_count(client_for(county.users[Role.PRINCIPAL])) == 1
    assert red_count(client_for(other_county.users[Role.PRINCIPAL])) == 2


def test_lights_recomputed_in_bulk_show_at_once(county, client_for):
    """``lights.recompute`` writes in bulk (no signals): it moves the stamp itself."""
    from tuijin.projects import lights

    project = make_project(county, name="甲项目", light=Light.GREEN)
    client = client_for(county.users[Role.PRINCIPAL])
    assert red_count(client) == 0
    assert lights.recompute(Project.objects.filter(pk=project.pk)) == 1
    project.refresh_from_db()
    assert project.light == Light.RED  # no report yet: the rules light it red
    assert red_count(client) == 1


def test_projects_imported_from_a_ledger_show_at_once(county, client_for, tmp_path):
    """The ledger import writes in bulk, without signals: it moves the stamp itself."""
    from tuijin.projects.ledger import import_ledger
    from tuijin.projects.tests.test_ledger import TODAY, project_row, simple_ledger

    client = client_for(county.users[Role.PRINCIPAL])
    before = client.get(reverse("cockpit:index")).context["totals"]["projects"]
    path = simple_ledger(
        tmp_path / "ledger.xlsx", county, project_row(county, 1), project_row(county, 2)
    )
    import_ledger(path, region=county.region, today=TODAY)
    after = client.get(reverse("cockpit:index")).context["totals"]["projects"]
    assert after == before + 2
