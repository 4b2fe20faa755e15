from django.apps import AppConfig


class AppealsConfig(AppConfig):
    """Enterprise requests (企业诉求, module 8): one pool, dispatch, working-day deadlines,
    replies the enterprise rates, reopening."""

    name = "tuijin.appeals"
    label = "appeals"
    verbose_name = "企业诉求"
