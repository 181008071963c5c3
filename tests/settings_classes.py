"""Every settings class: the platform's and each service's own (``services/<name>/settings.py``).

Tests that check a name against "the settings" (the README's tables, the compose
file, the Kubernetes config) take them from here, so a new service's settings
class is found without editing them.
"""

from __future__ import annotations

import importlib

from shared.settings import SERVICES, PlatformSettings


def service_settings() -> dict[str, type[PlatformSettings]]:
    """Each service's own settings class, by service, for the services that have one."""
    found: dict[str, type[PlatformSettings]] = {}
    for name in SERVICES:
        module_name = f"services.{name}.settings"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        [kind] = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, PlatformSettings) and v is not PlatformSettings
        ]
        found[name] = kind
    return found


def own_fields(kind: type[PlatformSettings]) -> list[str]:
    """The settings ``kind`` adds to the platform's."""
    return [name for name in kind.model_fields if name not in PlatformSettings.model_fields]


def every_setting() -> set[str]:
    """Every setting's field name, the platform's and every service's."""
    names = set(PlatformSettings.model_fields)
    for kind in service_settings().values():
        names |= set(kind.model_fields)
    return names


def settings_class_of(service: str) -> type[PlatformSettings]:
    """The settings class ``service`` runs with: its own, else the platform's."""
    return service_settings().get(service, PlatformSettings)
