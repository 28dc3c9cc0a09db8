"""Print the schema in SDL: `python -m schema.export > schema.graphql`."""

from __future__ import annotations

from schema import build_schema


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
