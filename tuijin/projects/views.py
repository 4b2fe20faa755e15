"""Pages of the key projects (being written)."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


project_list = my_projects = due_reports = project_create = project_detail = _missing
project_edit = stage_propose = stage_decide = report_create = problem_create = _missing
problem_update = milestones_edit = site_check_create = _missing
