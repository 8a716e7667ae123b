"""Generic writes with the same validation as the admin: full_clean, then save, atomically, with
the acting user recorded in the audit history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction


def _save(instance: models.Model, *, user, reason: str) -> None:
    instance.full_clean()
    instance._history_user = user
    instance._change_reason = reason
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        # full_clean checks what it can; a race or a derived key (slug) may still collide.
        raise ValidationError(f"The record conflicts with an existing one: {error}") from None


def _refuse_duplicate_natural_key(instance: models.Model) -> None:
    """A fact's slug is built from what it means, as fixtures key it: a second record with the
    same meaning is the same fact, refused naming the one that exists."""
    if not hasattr(instance, "build_slug") or getattr(instance, "slug", None):
        return
    instance.slug = instance.build_slug()
    existing = type(instance)._default_manager.filter(slug=instance.slug).first()
    if existing is not None:
        raise ValidationError(
            {
                "slug": f"This is the same fact as the existing {existing._meta.verbose_name} "
                f"{existing.slug!r} (id {existing.pk}): {existing}. Add evidence to it or "
                "change it instead of creating a copy."
            }
        )


@transaction.atomic
def record_create(*, model: type[models.Model], data: dict, many: dict, user) -> models.Model:
    """Create a record from field values (``many``: many-to-many values), validated first; a fact
    whose natural key (its slug) already exists is refused naming the existing record."""
    instance = model(**data)
    instance.full_clean()
    _refuse_duplicate_natural_key(instance)
    _save(instance, user=user, reason="created through the API")
    for name, values in many.items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def record_update(*, instance: models.Model, data: dict, many: dict, user) -> models.Model:
    for name, value in data.items():
        setattr(instance, name, value)
    _save(instance, user=user, reason="changed through the API")
    for name, values in many.items():
        getattr(instance, name).set(values)
    return instance
