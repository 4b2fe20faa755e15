"""Ledger upload (preview, confirm) and download: being written."""

from django.http import Http404


def ledger_import(request):
    raise Http404


def ledger_export(request):
    raise Http404
