"""Outbox events of the auth service, built from the contracts in ``contracts.auth``."""

from __future__ import annotations

from contracts import auth as contract
from kit.bus import emit
from kit.phones import mask
from sqlalchemy.ext.asyncio import AsyncSession

from auth.domain.statuses import EnterpriseNature
from auth.models import Account, Brand, EnterpriseProfile, Organisation, RecoveryRequest
from auth.service.context import AuthContext


def _sealed(ctx: AuthContext, phone: str | None) -> tuple[str | None, str | None]:
    if not phone:
        return None, None
    return mask(phone), ctx.runtime.sealer.seal(phone)


async def organisation_created(session: AsyncSession, org: Organisation) -> None:
    await emit(
        session,
        contract.ORGANISATION_CREATED,
        contract.OrganisationCreated(
            org_id=org.id,
            org_type=org.org_type,
            name=org.name,
            credit_code=org.credit_code,
        ),
    )


async def enterprise_registered(session: AsyncSession, ctx: AuthContext, org: Organisation) -> None:
    masked, sealed = _sealed(ctx, org.contact_phone)
    await emit(
        session,
        contract.ENTERPRISE_REGISTERED,
        contract.EnterpriseRegistered(
            org_id=org.id,
            name=org.name,
            credit_code=org.credit_code or "",
            contact_name=org.contact_name or "",
            phone_masked=masked or "",
            phone_sealed=sealed or "",
        ),
    )


async def enterprise_updated(
    session: AsyncSession, ctx: AuthContext, org: Organisation, profile: EnterpriseProfile
) -> None:
    masked, sealed = _sealed(ctx, org.contact_phone)
    nature = EnterpriseNature(profile.nature) if profile.nature else None
    await emit(
        session,
        contract.ENTERPRISE_UPDATED,
        contract.EnterpriseUpdated(
            org_id=org.id,
            name=org.name,
            credit_code=org.credit_code or "",
            nature=nature.value if nature else None,
            nature_label=nature.label if nature else None,
            contact_name=org.contact_name,
            phone_masked=masked,
            phone_sealed=sealed,
            email=profile.email,
            region_code=profile.region_code,
            address=profile.address,
            logo_key=profile.logo_key,
        ),
    )


async def brand_changed(session: AsyncSession, brand: Brand, *, deleted: bool = False) -> None:
    await emit(
        session,
        contract.BRAND_CHANGED,
        contract.BrandChanged(
            org_id=brand.org_id,
            brand_id=brand.id,
            name=brand.name,
            story=brand.story,
            logo_key=brand.logo_key,
            deleted=deleted,
        ),
    )


async def forerunner_verified(session: AsyncSession, account: Account, credit_code: str) -> None:
    await emit(
        session,
        contract.FORERUNNER_VERIFIED,
        contract.ForerunnerVerified(
            org_id=account.org_id,
            account_id=account.id,
            credit_code=credit_code,
        ),
    )


async def recovery_status_changed(session: AsyncSession, org: Organisation, request: RecoveryRequest) -> None:
    """The enterprise named by a recovery request is told in-site (by notify) at every step."""
    await emit(
        session,
        contract.RECOVERY_STATUS_CHANGED,
        contract.RecoveryStatusChanged(
            org_id=org.id,
            request_id=request.id,
            status=request.status,
            claimed_name=request.enterprise_name,
            claimed_contact=request.contact_name,
            new_phone_masked=mask(request.new_phone) if request.new_phone else None,
            effective_at=request.effective_at,
            opinion=request.opinion,
            closed_via=request.closed_via,
        ),
    )
