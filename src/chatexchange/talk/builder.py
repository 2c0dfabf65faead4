"""GraphBuilder: build graphs with chained calls."""

from __future__ import annotations

from typing import Any

from .elements import (
    ActionNotion,
    ActionRelation,
    ComplexNotion,
    Element,
    Graph,
    LoopRelation,
    NextRelation,
    Notion,
    ParsingRelation,
    Relation,
    SelectiveNotion,
)
from .utils import is_string

__all__ = ["GraphBuilder"]


class GraphBuilder:
    """Attaches each new element to the current one: a notion becomes the object of the current
    relation, a relation starts at the current complex notion. Every method but ``back()`` returns
    the builder."""

    def __init__(self, graph: Graph | str | None = None) -> None:
        if is_string(graph):
            graph = Graph(graph)
        self.graph: Graph | None = graph
        #: The element the next one is attached to (any element, after set_current()).
        self.current: Any = graph.root if graph is not None else None

    def attach(self, new: Element | None) -> GraphBuilder:
        current = self.current
        if isinstance(new, Notion):
            if isinstance(current, Relation) and current.object is None:
                current.object = new
        elif isinstance(new, Relation):
            if isinstance(current, ComplexNotion) and new.subject is None:
                new.subject = current
        else:
            raise TypeError(f"Cannot attach {new!r}: neither a notion nor a relation")
        self.current = new
        return self

    # -- notions --------------------------------------------------------------------------------
    def complex(self, name: Any) -> GraphBuilder:
        return self.attach(ComplexNotion(name, self.graph))

    def notion(self, name: Any) -> GraphBuilder:
        return self.attach(Notion(name, self.graph))

    def act(self, name: Any, action: Any) -> GraphBuilder:
        return self.attach(ActionNotion(name, action, self.graph))

    def select(self, name: Any) -> GraphBuilder:
        return self.attach(SelectiveNotion(name, self.graph))

    # -- relations ------------------------------------------------------------------------------
    def next_rel(self, condition: Any = None, obj: Any = None, **options: Any) -> GraphBuilder:
        return self.attach(NextRelation(None, obj, condition, self.graph, **options))

    def act_rel(self, action: Any, obj: Any = None) -> GraphBuilder:
        return self.attach(ActionRelation(None, obj, action, self.graph))

    def parse_rel(self, condition: Any, obj: Any = None, **options: Any) -> GraphBuilder:
        return self.attach(ParsingRelation(None, obj, condition, self.graph, **options))

    def loop_rel(self, condition: Any, obj: Any = None) -> GraphBuilder:
        return self.attach(LoopRelation(None, obj, condition, self.graph))

    def default(self) -> GraphBuilder:
        """Make the current relation its selective notion's default case."""
        current = self.current
        if isinstance(current, Relation) and isinstance(current.subject, SelectiveNotion):
            current.subject.default = current
            return self
        raise TypeError(f"{current!r} is not a relation of a selective notion")

    # -- graphs and moving around ---------------------------------------------------------------
    def sub_graph(self, name: Any) -> GraphBuilder:
        graph = Graph(name, self.graph)
        if self.graph is None:
            self.graph = graph
            self.current = graph.root
        else:
            self.attach(graph.root)
            self.graph = graph
        return self

    def pop(self) -> GraphBuilder:
        """Back to the graph that owns the current graph, at its root."""
        current = self.current
        if current is not None and current.owner and current.owner.owner:
            self.graph = current.owner.owner
            self.current = self.graph.root
            return self
        raise IndexError("On the top already")

    def set_current(self, element: Any) -> GraphBuilder:
        if element is not self.current:
            self.current = element
            owner = getattr(element, "owner", None) if element else None
            if isinstance(owner, Graph) and owner is not self.graph:
                self.graph = owner
        return self

    def back(self) -> GraphBuilder | None:
        """From a notion to the first relation leading to it (None when there is none, which
        breaks the chain, as in the original); from a relation to its subject."""
        current = self.current
        if isinstance(current, Notion):
            relation = self.graph.relation({Relation.OBJECT: current}) if self.graph else None
            if relation is None:
                return None
            self.current = relation
        elif isinstance(current, Relation):
            self.current = current.subject
        return self

    def __getitem__(self, item: Any) -> GraphBuilder:
        # Without a graph a name raises AttributeError, as it always did.
        element = self.graph.notion(item) if is_string(item) else item  # type: ignore[union-attr]
        return self.set_current(element)
