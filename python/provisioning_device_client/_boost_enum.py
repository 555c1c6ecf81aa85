"""Enums that behave like the legacy module's Boost.Python enums: int subclasses whose
str() is the bare member name, whose repr() is ``provisioning_device_client.<Type>.<NAME>``,
with ``.name``, class maps ``values`` (int -> member) and ``names`` (name -> member), and
unnamed instances for values without a name (str "13", repr "<module>.<Type>(13)").
Python's IntEnum differs in all of these (str() gives the number on 3.11+)."""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Type, TypeVar

MODULE = "provisioning_device_client"

E = TypeVar("E", bound="BoostEnum")


class BoostEnum(int):
    names: Dict[str, "BoostEnum"] = {}
    values: Dict[int, "BoostEnum"] = {}
    _name: Optional[str]

    def __new__(cls: Type[E], value: int) -> E:
        existing = cls.values.get(int(value)) if cls.values else None
        if existing is not None:
            return existing  # type: ignore[return-value]
        member = int.__new__(cls, value)
        member._name = None
        return member

    @property
    def name(self) -> Optional[str]:
        return self._name

    def __str__(self) -> str:
        return self._name if self._name is not None else str(int(self))

    def __repr__(self) -> str:
        if self._name is not None:
            return f"{MODULE}.{type(self).__name__}.{self._name}"
        return f"{MODULE}.{type(self).__name__}({int(self)})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec) if not spec or spec[-1] in "s" else int.__format__(self, spec)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (int(self),))


def make_enum(type_name: str, members: Mapping[str, int]) -> Type[BoostEnum]:
    cls = type(type_name, (BoostEnum,), {"__module__": MODULE})
    cls.names, cls.values = {}, {}
    for name, value in members.items():
        member = int.__new__(cls, value)
        member._name = name
        cls.names[name] = member
        cls.values[int(value)] = member
        setattr(cls, name, member)
    return cls
