"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from the 31-character alphabet 0-9 and A-Y without I, O, Z, S, V. The 18th is
a check character: each of the first 17 characters' value in that alphabet times its weight
(3^i mod 31), summed; the check is 31 - sum % 31, where 31 means 0.

The 9-character organisation code inside it (positions 9-17) follows GB 11714 only for
bodies that had such a code before 2015; many valid codes (individual businesses, newer
registrations, the standard's own example) do not pass that check, so it is not enforced.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FORBIDDEN = "IOZSV"


def credit_code_check_char(first17: str) -> str:
    """The check character for the first 17 characters (uppercase, from the alphabet)."""
    if len(first17) != 17 or any(c not in VALUES for c in first17):
        raise ValueError("需要 17 位有效字符")
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Why ``code`` is not a valid credit code (a Chinese message), or None when it is."""
    if not isinstance(code, str) or not code:
        return "统一社会信用代码不能为空"
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，实际为 {len(code)} 位"
    if code != code.upper():
        return "统一社会信用代码中的字母应为大写"
    bad = sorted({c for c in code if c not in VALUES})
    if bad:
        letters = "、".join(bad)
        if any(c in FORBIDDEN for c in bad):
            return f"统一社会信用代码不使用字母 I、O、Z、S、V，发现：{letters}"
        return f"统一社会信用代码含有无效字符：{letters}"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误，请核对是否抄错"
    return None


def validate_credit_code(value: str) -> None:
    """Django validator: raises ValidationError with the Chinese reason."""
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="credit_code")


def normalise_credit_code(value: object) -> str:
    """As people paste it: spaces dropped; case is kept so that lowercase is reported."""
    return "".join(str(value or "").split())
