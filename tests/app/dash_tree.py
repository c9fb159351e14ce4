"""Reading a Dash component tree without a browser: find a component by id, its visible text."""

from __future__ import annotations


def find(component, component_id):
    """The component with `component_id` inside a Dash tree (None when absent)."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    if children is None and isinstance(component, (list, tuple)):
        children = component
    if isinstance(children, (list, tuple)):
        for child in children:
            found = find(child, component_id)
            if found is not None:
                return found
    elif children is not None and not isinstance(children, str):
        return find(children, component_id)
    return None


def text(component) -> str:
    """The text a person reads in a component, its parts joined by single spaces."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(part for part in (text(c) for c in component) if part)
    return text(getattr(component, "children", None))


def ids(component) -> list:
    """Every id in a Dash tree, depth first."""
    found = []
    if getattr(component, "id", None) is not None:
        found.append(component.id)
    children = getattr(component, "children", None)
    if children is None and isinstance(component, (list, tuple)):
        children = component
    if isinstance(children, (list, tuple)):
        for child in children:
            found.extend(ids(child))
    elif children is not None and not isinstance(children, str):
        found.extend(ids(children))
    return found
