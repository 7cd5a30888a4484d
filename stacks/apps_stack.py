"""`<name>-apps`: what runs inside the cluster, installed with Helm; reaches the cluster by name only.

The stack only composes: it collects the enabled apps (`APPS`), orders them from their declarations
(apps/declaration.py) and gives each the Terraform objects it waits for. No app is wired here by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cdktf import Annotations, ITerraformDependable, TerraformOutput, TerraformStack

from apps import APPS
from apps.declaration import (
    DEFAULT_STORAGE,
    PLATFORM_NAMESPACES,
    AppDeclaration,
    Capability,
    install_order,
    namespace_levels,
    prerequisites,
)
from apps.installer import AppInstall, InstallContext, install_of
from catalogue.storage import DEFAULT_STORAGE_CLASSES
from constructs import Construct
from constructs.composition import composition_for
from constructs.helm.namespaces import AppNamespaces, PlatformNamespaces
from constructs.helm.storage import DefaultStorage
from spec.environment import Environment
from stacks.backends import configure_backend
from validation.warnings import apps_infos, apps_warnings


class AppsStack(TerraformStack):
    def __init__(
        self,
        scope: Construct,
        *,
        environment: Environment,
        cluster_stack: TerraformStack,
        apps: Sequence[AppDeclaration] = APPS,
        installs: Callable[[AppDeclaration], AppInstall] = install_of,
    ) -> None:
        super().__init__(scope, environment.apps_stack_name)
        configure_backend(self, environment.backend, environment.apps_stack_name)
        # Ordering only (deploy cluster first, destroy apps first); no value crosses the stacks.
        self.add_dependency(cluster_stack)
        composition_for(environment.cloud).cluster_access(self, environment).configure_providers(self)

        storage = DefaultStorage(
            self, "storage", storage=DEFAULT_STORAGE_CLASSES[environment.cloud], kubernetes_version=environment.version
        )
        namespaces = PlatformNamespaces(self, "platform-namespaces", names=environment.namespaces)
        provided: dict[Capability, tuple[ITerraformDependable, ...]] = {
            DEFAULT_STORAGE: tuple(storage.created),
            PLATFORM_NAMESPACES: tuple(namespaces.namespaces),
        }
        enabled = [app for app in apps if app.enabled(environment)]
        app_namespaces = {app: app.namespaces(environment) for app in enabled}
        created = AppNamespaces(self, "app-namespaces", levels=namespace_levels(enabled, environment)).by_name
        scrape_targets = tuple(target for app in enabled for target in app.scrape_targets(environment))
        for app in install_order(apps, environment, provided_by_stack=list(provided)):
            after = [
                *(created[name] for name in app_namespaces[app] if name in created),
                *(
                    dependable
                    for capability in prerequisites(app, environment)
                    for dependable in provided.get(capability, ())
                ),
            ]
            others = frozenset(ns for other, names in app_namespaces.items() if other is not app for ns in names)
            context = InstallContext(
                environment=environment,
                after=tuple(dict.fromkeys(after)),
                provided=dict(provided),
                other_namespaces=others,
                namespaces=created,
                scrape_targets=scrape_targets,
            )
            installed = installs(app)(self, context)
            undeclared = set(installed.provides) - set(app.provides(environment))
            assert not undeclared, f"{app.construct_id} installed undeclared capabilities {undeclared}"
            for capability, dependables in installed.provides.items():
                provided[capability] = (*provided.get(capability, ()), *dependables)
            for output in installed.outputs:
                TerraformOutput(
                    self,
                    output.name,
                    value=output.value,
                    sensitive=output.sensitive or None,
                    description=output.description,
                )
        TerraformOutput(self, "namespaces", value=environment.namespaces)
        # Each once: two apps may share one (the inference gateway's pools sit beside the vLLM engines).
        every = [ns for names in app_namespaces.values() for ns in names]
        TerraformOutput(self, "app_namespaces", value=list(dict.fromkeys(every)))
        for warning in apps_warnings(environment):
            Annotations.of(self).add_warning(warning)
        for info in apps_infos(environment):
            Annotations.of(self).add_info(info)
