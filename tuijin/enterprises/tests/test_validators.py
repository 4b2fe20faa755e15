import pytest
from django.core.exceptions import ValidationError

from tuijin.enterprises.validators import (
    ALPHABET,
    credit_code_check_char,
    credit_code_error,
    validate_credit_code,
)

# Published codes, checked by hand against the GB 32100-2015 weights.
KNOWN_VALID = ["91350100M000100Y43", "91110000100010433L", "91310000MA1FL1MMXL"]


def test_alphabet_leaves_out_i_o_z_s_v():
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_codes(code):
    assert credit_code_check_char(code[:17]) == code[17]
    assert credit_code_error(code) is None
    validate_credit_code(code)


def test_hand_computed_check_character():
    # 91350100M000100Y4: values 9,1,3,5,0,1,0,0,M=21,0,0,0,1,0,0,Y=30,4
    first17 = "91350100M000100Y4"
    values = [ALPHABET.index(c) for c in first17]
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    assert ALPHABET[(31 - total % 31) % 31] == "3"
    assert credit_code_check_char(first17) == "3"


def test_check_of_zero_when_remainder_is_zero():
    # Find a body whose weighted sum is a multiple of 31: its check must be "0", not "31".
    for n in range(10_000):
        body = f"9133990100000{n:04d}"
        total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
        if total % 31 == 0:
            assert credit_code_check_char(body) == "0"
            return
    pytest.fail("no body with sum % 31 == 0 found")


def test_generated_codes_are_valid():
    for n in range(200):
        body = f"9133990{n:010d}"
        code = body + credit_code_check_char(body)
        assert credit_code_error(code) is None


@pytest.mark.parametrize("position", range(18))
def test_one_character_changed_is_invalid(position):
    code = KNOWN_VALID[0]
    for replacement in ALPHABET:
        if replacement == code[position]:
            continue
        changed = code[:position] + replacement + code[position + 1 :]
        assert credit_code_error(changed) is not None, changed


@pytest.mark.parametrize(
    "code, words",
    [
        ("91350100m000100y43", "大写"),
        ("91350100M000100Y4", "18 位"),
        ("91350100M000100Y430", "18 位"),
        ("", "不能为空"),
        ("91350100I000100Y43", "I、O、Z、S、V"),
        ("91350100O000100Y43", "I、O、Z、S、V"),
        ("91350100Z000100Y43", "I、O、Z、S、V"),
        ("91350100S000100Y43", "I、O、Z、S、V"),
        ("91350100V000100Y43", "I、O、Z、S、V"),
        ("91350100-000100Y43", "无效字符"),
        ("91350100M000100Y44", "校验位"),
    ],
)
def test_bad_codes_are_refused_with_a_reason(code, words):
    error = credit_code_error(code)
    assert error is not None and words in error
    with pytest.raises(ValidationError):
        validate_credit_code(code)
