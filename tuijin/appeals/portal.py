"""Business rules of the enterprise portal (企业服务): registration, verification by the
service office, and the enterprise's answer to a question of the handling unit.

Filing and rating go through ``services.appeal_receive`` and ``services.appeal_rate``; this
module only adds what the portal needs around them. Errors are ``AppealRuleError`` with a
Chinese message naming the field, as in ``services``.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tuijin.core.accounts import opaque_username
from tuijin.core.models import User, notify
from tuijin.core.models.directory import mobile_validator
from tuijin.core.roles import Role
from tuijin.core.scoping import get_visible_or_404, scope_of
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.validators import credit_code_error, normalise_credit_code

from . import services
from .models import SERVICE_OFFICE_ROLES, Appeal, AppealEvent, EnterpriseAccount
from .services import AppealRuleError

Kind = AppealEvent.Kind
# A mainland mobile number: 11 digits starting 13–19.
MOBILE_RE = mobile_validator.regex


def _portal_link() -> str:
    return reverse("portal:home")


# ---------------------------------------------------------------------------
# Registration


def clean_credit_code(value: str) -> str:
    """The code as typed on a phone (spaces dropped, letters upper-cased), or a rule error."""
    code = normalise_credit_code(value).upper()
    error = credit_code_error(code)
    if error:
        raise AppealRuleError(error, "credit_code")
    return code


def registered_enterprise(credit_code: str) -> Enterprise:
    """The registry's enterprise for a valid code; the portal never creates enterprises:
    the registry is kept by the office, so an unknown code is sent to them."""
    code = clean_credit_code(credit_code)
    enterprise = Enterprise.objects.filter(credit_code=code).select_related("region").first()
    if enterprise is None:
        raise AppealRuleError(
            "企业名录中没有这个统一社会信用代码。请联系县企业服务办，将企业登记入名录后再注册",
            "credit_code",
        )
    return enterprise


def clean_mobile(value: str) -> str:
    mobile = "".join((value or "").split())
    if not MOBILE_RE.match(mobile):
        raise AppealRuleError("请填写 11 位手机号码", "contact_mobile")
    return mobile


def _clean_contact_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise AppealRuleError("请填写联系人姓名", "contact_name")
    if len(name) > 40:
        raise AppealRuleError("联系人姓名不能超过 40 个字", "contact_name")
    return name


def _tell_office(account: EnterpriseAccount) -> None:
    enterprise = account.enterprise
    for user in services.office_users(enterprise.region_id):
        notify(
            user,
            f"企业账号待核验：{enterprise.name}",
            f"{account.contact_name}（{account.contact_mobile}）申请开通企业服务账号，请核验。",
            reverse("portal:accounts"),
        )


# Django's password messages in plain Chinese (its own "too short" is not translated).
PASSWORD_PROBLEMS = {
    "password_too_short": "密码太短，至少 10 位",
    "password_too_common": "密码太常见，容易被猜到",
    "password_entirely_numeric": "密码不能全是数字",
    "password_too_similar": "密码和手机号或姓名太像",
}


def _password_problems(exc: ValidationError) -> str:
    return "；".join(
        PASSWORD_PROBLEMS.get(error.code, "；".join(error.messages)) for error in exc.error_list
    )


@transaction.atomic
def account_register(
    *, credit_code: str, contact_name: str, contact_mobile: str, password: str
) -> EnterpriseAccount:
    """An enterprise opens a portal account (unverified) with its credit code and a mobile.

    The account signs in with the mobile, so one mobile is one account; the account's own
    name is opaque (the number is kept encrypted on it). The office is told, and verifies
    before the account sees or files anything.
    """
    enterprise = registered_enterprise(credit_code)
    contact_name = _clean_contact_name(contact_name)
    mobile = clean_mobile(contact_mobile)
    if (
        User.objects.filter(mobile=mobile).exists()
        or EnterpriseAccount.objects.filter(contact_mobile=mobile).exists()
    ):
        raise AppealRuleError(
            "这个手机号已经注册过，请直接登录；忘记密码请联系县企业服务办", "contact_mobile"
        )
    user = User(
        username=opaque_username(),
        mobile=mobile,
        region_id=enterprise.region_id,
        display_name=contact_name,
    )
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise AppealRuleError(_password_problems(exc), "password1") from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same mobile registered a moment ago
        raise AppealRuleError("这个手机号已经注册过，请直接登录", "contact_mobile") from exc
    user.groups.add(Group.objects.get(name=Role.ENTERPRISE.value))
    account = EnterpriseAccount.objects.create(
        user=user, enterprise=enterprise, contact_name=contact_name, contact_mobile=mobile
    )
    _tell_office(account)
    return account


@transaction.atomic
def account_resubmit(acting_user: User, credit_code: str, contact_name: str) -> EnterpriseAccount:
    """A signed-in enterprise user whose registration was refused sends it in again
    (with the mobile it signs in with); it waits for the office once more."""
    if Role.ENTERPRISE not in scope_of(acting_user).roles:
        raise AppealRuleError("只有企业账号可以提交企业注册信息", "credit_code")
    if EnterpriseAccount.objects.filter(user=acting_user).exists():
        raise AppealRuleError("您的账号已经提交过注册信息", "credit_code")
    enterprise = registered_enterprise(credit_code)
    contact_name = _clean_contact_name(contact_name)
    mobile = acting_user.mobile
    account = EnterpriseAccount.objects.create(
        user=acting_user, enterprise=enterprise, contact_name=contact_name, contact_mobile=mobile
    )
    _tell_office(account)
    return account


# ---------------------------------------------------------------------------
# Verification by the service office


def _require_office(acting_user: User, account: EnterpriseAccount) -> None:
    scope = scope_of(acting_user)
    if not scope.has(*SERVICE_OFFICE_ROLES):
        raise AppealRuleError("只有企业服务办可以核验企业账号", "account")
    if not scope.is_admin and account.enterprise.region_id not in scope.region_ids:
        raise AppealRuleError("这个企业不在本县", "account")


def _locked_account(account: EnterpriseAccount) -> EnterpriseAccount:
    found = (
        EnterpriseAccount.objects.select_for_update(of=("self",))
        .select_related("enterprise", "user")
        .filter(pk=account.pk)
        .first()
    )
    if found is None:
        raise AppealRuleError("这条注册申请已经处理过了", "account")
    return found


@transaction.atomic
def account_verify(acting_user: User, account: EnterpriseAccount) -> EnterpriseAccount:
    """The office confirms that the person really speaks for the enterprise; from now on
    the account sees the enterprise's requests and files new ones."""
    _require_office(acting_user, account)
    account = _locked_account(account)
    if account.verified:
        raise AppealRuleError("这个账号已经核验通过", "account")
    account.verified = True
    account.verified_by = acting_user
    account.verified_at = timezone.now()
    account.save(update_fields=["verified", "verified_by", "verified_at"])
    notify(
        account.user,
        "您的企业账号已通过核验",
        f"{account.enterprise.name}的企业服务账号已开通，现在可以提交诉求、查看办理进度。",
        _portal_link(),
    )
    return account


@transaction.atomic
def account_reject(acting_user: User, account: EnterpriseAccount, reason: str) -> User:
    """The office refuses a registration with a reason. The sign-in stays (so the person
    reads the reason and can send corrected details); the link to the enterprise goes."""
    _require_office(acting_user, account)
    reason = (reason or "").strip()
    if not reason:
        raise AppealRuleError("请填写不通过的理由", "reason")
    account = _locked_account(account)
    if account.verified:
        raise AppealRuleError("这个账号已经核验通过，不能再驳回", "account")
    user, name = account.user, account.enterprise.name
    account.delete()
    notify(
        user,
        "您的企业注册未通过核验",
        f"{name}：{reason}\n请核对后重新提交，或联系县企业服务办。",
        _portal_link(),
    )
    return user


# ---------------------------------------------------------------------------
# The enterprise's side of a request


def account_of(user: User) -> EnterpriseAccount | None:
    """The user's portal account, verified or not (None for other users)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return EnterpriseAccount.objects.filter(user=user).select_related("enterprise").first()


def pending_question(appeal: Appeal) -> AppealEvent | None:
    """The handling unit's latest question (补充询问) not answered yet, if any."""
    last = (
        appeal.events.filter(kind__in=[Kind.QUESTION, Kind.ANSWER])
        .select_related("unit")
        .order_by("at", "id")
        .last()
    )
    return last if last is not None and last.kind == Kind.QUESTION else None


@transaction.atomic
def answer_question(acting_user: User, appeal: Appeal, text: str, files=()) -> AppealEvent:
    """The enterprise answers the handling unit's question (企业补充), with files if asked.

    ``services`` has no step for this; it is written here as an ANSWER event and the lead
    unit is told. Another enterprise's request is the same 404 as a missing one.
    """
    get_visible_or_404(Appeal.objects, acting_user, pk=appeal.pk)
    account = services._account_of(acting_user)
    if account is None or account.enterprise_id != appeal.enterprise_id:
        raise AppealRuleError("只有提出诉求的企业可以补充材料", "text")
    text = (text or "").strip()
    if not text:
        raise AppealRuleError("请填写补充说明", "text")
    files = services._check_files(files)
    appeal = services._locked(appeal)
    if not appeal.is_open:
        raise AppealRuleError("诉求已办结，不需要再补充", "text")
    if pending_question(appeal) is None:
        raise AppealRuleError("办理单位没有需要您补充的问题", "text")
    event = services._event(appeal, Kind.ANSWER, acting_user, text, unit=None)
    services._attach(appeal, event, files)
    services._tell(
        services.unit_users(appeal.lead_unit_id),
        f"企业已补充材料：{appeal.code}",
        text,
        appeal,
    )
    return event
