"""Access roles of the brief's user table, and how directory roles map onto them.

An access role is a Django group named by the role's code; a person's directory roles (the
sample file's 角色 column) decide which groups their account joins.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    PRINCIPAL = "principal", "主要领导"
    LEADER = "leader", "县领导"
    SUPERVISION = "supervision", "督查室"
    PROJECT_OFFICE = "project_office", "项目办"
    UNIT_STAFF = "unit_staff", "单位联络员"
    ENTERPRISE = "enterprise", "企业"
    BANK = "bank", "银行"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# Separation of duties (三权分立): no account holds two of these. The system administrator
# runs accounts, directory, configuration and channels; the security administrator assigns
# roles, unlocks accounts, ends sessions and reads the security log; the audit administrator
# reads the audit trail and the security log and verifies the chain, and changes nothing.
ADMIN_DUTIES = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


# The county's officials, as against enterprises, banks and the public.
GOVERNMENT = (
    Role.PRINCIPAL,
    Role.LEADER,
    Role.SUPERVISION,
    Role.PROJECT_OFFICE,
    Role.UNIT_STAFF,
)


class DirectoryRole(models.TextChoices):
    """Roles as the county directory spells them; one person may hold several."""

    PRINCIPAL = "主要领导", "主要领导"
    LEADER = "县领导", "县领导"
    SUPERVISION = "督查室", "督查室"
    PROJECT_OFFICE = "项目办", "项目办"
    UNIT_HEAD = "单位主要负责人", "单位主要负责人"
    UNIT_DEPUTY = "单位负责人", "单位负责人"
    UNIT_LIAISON = "单位联络员", "单位联络员"


DIRECTORY_TO_ACCESS = {
    DirectoryRole.PRINCIPAL: Role.PRINCIPAL,
    DirectoryRole.LEADER: Role.LEADER,
    DirectoryRole.SUPERVISION: Role.SUPERVISION,
    DirectoryRole.PROJECT_OFFICE: Role.PROJECT_OFFICE,
    DirectoryRole.UNIT_HEAD: Role.UNIT_STAFF,
    DirectoryRole.UNIT_DEPUTY: Role.UNIT_STAFF,
    DirectoryRole.UNIT_LIAISON: Role.UNIT_STAFF,
}

# Roles that hold no unit of their own: they act for the whole county.
COUNTY_WIDE_DIRECTORY_ROLES = {
    DirectoryRole.PRINCIPAL,
    DirectoryRole.LEADER,
}
