"""A tiny Kustomize: just the features deploy/k8s uses, and an error for any other.

Resources (files and bases), configMapGenerator from files without name hashes,
namespace, labels (metadata only), images, replicas, and strategic-merge patches
(maps merged, lists of named items merged by name, other lists replaced).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "configMapGenerator",
    "generatorOptions",
    "namespace",
    "labels",
    "images",
    "replicas",
    "patches",
}


def load_all(path: Path) -> list[Manifest]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def build(folder: Path) -> list[Manifest]:
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise NotImplementedError(f"{folder}: this renderer does not do {sorted(unknown)}")
    manifests: list[Manifest] = []
    for entry in spec.get("resources", []):
        target = (folder / entry).resolve()
        manifests += build(target) if target.is_dir() else load_all(target)
    for generator in spec.get("configMapGenerator", []):
        if not spec.get("generatorOptions", {}).get("disableNameSuffixHash"):
            raise NotImplementedError("name hashes: the references would need rewriting")
        data = {Path(f).name: (folder / f).read_text(encoding="utf-8") for f in generator["files"]}
        manifests.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": generator["name"]},
                "data": data,
            }
        )
    for patch in spec.get("patches", []):
        for change in load_all(folder / patch["path"]):
            target = find(manifests, change["kind"], change["metadata"]["name"])
            merged = merge(target, change)
            target.clear()
            target.update(merged)
    for image in spec.get("images", []):
        for container in containers(manifests):
            if container["image"].split(":")[0] == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    for replicas in spec.get("replicas", []):
        find(manifests, "Deployment", replicas["name"])["spec"]["replicas"] = replicas["count"]
    namespace = spec.get("namespace")
    for manifest in manifests:
        meta = manifest.setdefault("metadata", {})
        if namespace and manifest["kind"] != "Namespace":
            meta["namespace"] = namespace
        for label in spec.get("labels", []):
            meta.setdefault("labels", {}).update(label["pairs"])
    return manifests


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    [found] = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def containers(manifests: list[Manifest]) -> list[dict[str, Any]]:
    found = []
    for m in manifests:
        pod = m.get("spec", {}).get("template", {}).get("spec", {})
        found += pod.get("containers", []) + pod.get("initContainers", [])
    return found


def merge(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        out = copy.deepcopy(base)
        for key, value in change.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(change, list)
        and all(isinstance(i, dict) and "name" in i for i in base + change)
    ):
        items: list[Any] = copy.deepcopy(base)
        for item in change:
            same = [i for i, old in enumerate(items) if old["name"] == item["name"]]
            if same:
                items[same[0]] = merge(items[same[0]], item)
            else:
                items.append(copy.deepcopy(item))
        return items
    return copy.deepcopy(change)
