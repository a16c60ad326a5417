"""Template helpers for answers."""

from django import template

register = template.Library()


@register.filter
def answer_label(answer: dict, item) -> str:
    """The readable form of an answer dict's value for its item."""
    return item.value_label((answer or {}).get("value", ""))
