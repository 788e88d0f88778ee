"""Use case of appended models (追加规格/型号): after publication the enterprise adds a model with its
pictures; the certificate service hears it (``declaration.model_appended``)."""

from __future__ import annotations

import uuid

from contracts.declaration import DeclarationModel, DeclarationModelAppended
from kit.bus import emit
from kit.runtime import Runtime
from kit.security import Principal
from kit.storage import new_key, store
from kit.uploads import CheckedFile

from declaration import repository
from declaration.config import MODELS_BUCKET
from declaration.domain.statuses import ListStatus
from declaration.errors import ModelDuplicate, NotPublished
from declaration.models import ProductModel
from declaration.service.declarations import require_enterprise


async def append_model(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, name: str, spec: str, intro: str,
    pictures: list[CheckedFile],
) -> ProductModel:  # fmt: skip
    require_enterprise(principal)
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        d = await repository.load_declaration(session, principal, declaration_id)
        if d.list_status is not ListStatus.PUBLISHED:
            raise NotPublished()
        if await repository.model_exists(session, d.id, name=name, spec=spec):
            raise ModelDuplicate()
    model_id = uuid.uuid4()
    keys = []
    for picture in pictures:
        key = new_key(f"models/{model_id}", ".jpg" if picture.kind == "jpeg" else ".png")
        await store(runtime.storage, MODELS_BUCKET, key, picture.data, content_type=picture.content_type)
        keys.append(key)
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        position = await repository.model_count(session, d.id)
        model = ProductModel(
            id=model_id,
            declaration_id=d.id,
            name=name,
            spec=spec,
            intro=intro,
            picture_keys=keys,
            appended=True,
            position=position,
            created_at=now,
        )
        session.add(model)
        d.model_count += 1
        d.updated_at = now
        await emit(
            session,
            "declaration.model_appended",
            DeclarationModelAppended(
                declaration_id=d.id,
                org_id=d.org_id,
                model=DeclarationModel(model_id=model.id, name=name, spec=spec, intro=intro),
                picture_keys=keys,
            ),
        )
    return model
