from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    """The enterprise registry (企业名录) of module 7: 规上, 百强, 困难企业."""

    name = "tuijin.enterprises"
    label = "enterprises"
    verbose_name = "企业服务"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS

        # registers the model and menu entries, and this module's part of ``tuijin seed --scale``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_enterprises

        if seed_enterprises not in SEEDERS:
            SEEDERS.append(seed_enterprises)

        from tuijin.core.sweeps import register

        from .demo import seed_pairings
        from .pairing import pairing_sweep

        if seed_pairings not in SEEDERS:
            SEEDERS.append(seed_pairings)
        register(pairing_sweep)
