"""Who did something: a person (with their user) or a part of the system."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(name=user.get_username(), user_id=user.pk)

    def __str__(self) -> str:
        return self.name


SYSTEM = Actor("system")
